// Zod schemas of users, scopes and sessions in requests and answers (the OpenAPI document shows them).

import { z } from 'zod';
import { parseScope } from '../../../gateway/src/contract/scope-text.js';
import { ROLES } from '../roles.js';
import { USER_NAME } from './user-store.js';

export const scopeSchema = z
  .union([
    z.object({ kind: z.literal('all') }),
    z.object({ kind: z.literal('regions'), regions: z.array(z.string()) }),
    z.object({ kind: z.literal('org'), org: z.string() }),
    z.object({ kind: z.literal('site'), site: z.string() }),
  ])
  .describe('Scope');

/** A scope in a request: its text form (`region:a,region:b`, `org:x`, `site:y`, `all`). */
export const scopeText = z.string().transform((text, ctx) => {
  const parsed = parseScope(text);
  if (parsed.ok) return parsed.scope;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});

export const userName = z.string().regex(USER_NAME, 'letters, digits and . _ - @, starting with a letter or digit, at most 64');

/** NIST SP 800-63B §5.1.1.2: at least 8 characters, no composition rules; 256 bounds the hash work. */
export const password = z.string().min(8, 'at least 8 characters').max(256);

export const userSchema = z
  .object({
    name: z.string(),
    displayName: z.string(),
    role: z.enum(ROLES),
    scope: scopeSchema,
    phone: z.string().nullable(),
    failedAttempts: z.number().int(),
    lockedUntilMs: z.number().nullable(),
    disabledAtMs: z.number().nullable(),
    createdAtMs: z.number(),
    createdBy: z.string(),
    updatedAtMs: z.number(),
  })
  .describe('User');
