// The notification outbox: what was sent to whom, what is still pending and what never
// arrived, and the admin's retry of a failed notification (audited).
//
// Who sees what: the list needs an officer. Officers must see whether the duty chain was reached
// (and phone whoever was not); a viewer token is for wall screens and outside parties, who have
// no need to know who was called when. Contact addresses (mobile numbers, e-mail) are personal
// information and only admins, who maintain the roster, see them: the minimum-necessary rule of
// the Personal Information Protection Law (PIPL art. 6). Others get the roster id and name.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth.js';
import { audited, type ApiContext } from '../context.js';
import type { NotificationRecord, NotificationService } from '../deps.js';
import { ApiError } from '../errors.js';
import { answers, limitQuery } from '../schemas.js';
import { roleAtLeast } from '../token-store.js';
import { scopeOf } from '../scope-of.js';

const states = z.enum(['pending', 'sent', 'failed']);
const decimalId = (what: string) => z.string().regex(/^\d{1,15}$/, `${what} must be a decimal number from this API`);

const listQuery = z
  .object({
    state: states.optional(),
    alarmId: z.string().min(1).max(100).optional(),
    limit: limitQuery(1000, 100),
    cursor: decimalId('cursor').optional(),
  })
  .strict();

export const notificationSchema = z
  .object({
    id: z.number().int(),
    key: z.string(),
    alarmId: z.string().nullable(),
    kind: z.string(),
    level: z.string().nullable(),
    recipient: z.string(),
    recipientName: z.string().nullable(),
    channel: z.string(),
    /** Admins only. */
    address: z.string().nullable().optional(),
    title: z.string(),
    state: states,
    attempts: z.number().int(),
    nextAtMs: z.number(),
    lastError: z.string().nullable(),
    createdAtMs: z.number(),
    sentAtMs: z.number().nullable(),
  })
  .describe('Notification');
type NotificationView = z.infer<typeof notificationSchema>;

/** A receiver's refusal may quote the address it refused ("550 <li@…>: no such user"). */
function withoutAddress(text: string | null, address: string | null): string | null {
  if (text === null || !address) return text;
  return text.split(address).join('[address]');
}

function view(row: NotificationRecord, name: string | undefined, withAddress: boolean): NotificationView {
  const base = {
    id: row.id,
    key: row.key,
    alarmId: row.alarmId,
    kind: row.kind,
    level: row.level,
    recipient: row.recipient,
    recipientName: name ?? null,
    channel: row.channel,
    title: row.title,
    state: row.state,
    attempts: row.attempts,
    nextAtMs: row.nextAtMs,
    lastError: withAddress ? row.lastError : withoutAddress(row.lastError, row.address),
    createdAtMs: row.createdAtMs,
    sentAtMs: row.sentAtMs,
  };
  return withAddress ? { ...base, address: row.address } : base;
}

export function notificationRoutes(ctx: ApiContext) {
  function service(): NotificationService {
    if (!ctx.deps.notifier) throw new ApiError(501, 'notifications are not available in this gateway build (the notifier is not wired)');
    return ctx.deps.notifier;
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/notifications',
      {
        config: { role: 'officer' },
        schema: {
          summary: 'Notifications, newest first: `state=failed` lists what never arrived',
          description: 'Addresses (mobile, e-mail) are shown to admins only; others see the roster id and name.',
          querystring: listQuery,
          response: answers({ 200: z.object({ notifications: z.array(notificationSchema), nextCursor: z.string().nullable() }) }, 400, 403, 501),
        },
      },
      async (request) => {
        const svc = service();
        const { state, alarmId, limit, cursor } = request.query;
        const rows = svc.list({ limit: limit + 1, scope: scopeOf(request), ...(state ? { state } : {}), ...(alarmId ? { alarmId } : {}), ...(cursor ? { beforeId: Number(cursor) } : {}) });
        const page = rows.slice(0, limit);
        const admin = roleAtLeast(principalOf(request).role, 'admin');
        return {
          notifications: page.map((row) => view(row, svc.personName(row.recipient), admin)),
          nextCursor: rows.length > limit ? String(page[page.length - 1]!.id) : null,
        };
      },
    );

    r.post(
      '/notifications/:id/retry',
      {
        config: { role: 'admin' },
        schema: {
          summary: 'Send a failed notification again (back to pending, a fresh round of attempts)',
          params: z.object({ id: decimalId('id') }),
          response: answers({ 200: z.object({ notification: notificationSchema }) }, 400, 403, 404, 409, 501),
        },
      },
      async (request) => {
        const svc = service();
        const id = Number(request.params.id);
        const notification = audited(ctx, request, 'notification.retry', String(id), () => {
          const before = svc.get(id);
          if (!before) throw new ApiError(404, `no notification ${id}`);
          if (!svc.requeue(id)) throw new ApiError(409, `notification ${id} is ${before.state}: only a failed notification can be retried`);
          return {
            result: svc.get(id)!,
            detail: { key: before.key, alarmId: before.alarmId, channel: before.channel, recipient: before.recipient, attempts: before.attempts, lastError: before.lastError },
          };
        });
        return { notification: view(notification, svc.personName(notification.recipient), true) };
      },
    );
  };
}
