// Who the caller is: the page shows the name and offers only what the role may do, within the scope.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { answers, role } from '../schemas.js';
import { scopeSchema } from '../users/user-schemas.js';

const me = z.object({
  name: z.string(),
  /** A person's display name; absent for an API token. */
  displayName: z.string().optional(),
  role,
  scope: scopeSchema,
  /** `session`: logged in with a password; `token`: an API token. */
  via: z.enum(['session', 'token']),
});

export function meRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/me',
      { config: { role: 'viewer' }, schema: { summary: 'The caller: name, role and scope', response: answers({ 200: me }) } },
      async (request) => {
        const { name, role: r, scope, via } = principalOf(request);
        const displayName = via === 'session' ? ctx.users.get(name)?.displayName : undefined;
        return { name, ...(displayName !== undefined ? { displayName } : {}), role: r, scope, via };
      },
    );
  };
}
