// Who the token belongs to: the page shows the name and offers only what the role may do.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth.js';
import { answers, role } from '../schemas.js';

export async function meRoutes(app: FastifyInstance): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/me',
    { config: { role: 'viewer' }, schema: { summary: 'The caller: token name and role', response: answers({ 200: z.object({ name: z.string(), role }) }) } },
    async (request) => {
      const { name, role: r } = principalOf(request);
      return { name, role: r };
    },
  );
}
