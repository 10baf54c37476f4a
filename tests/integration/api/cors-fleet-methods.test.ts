// An operator's own portal (another origin) edits the fleet with PUT and PATCH: its preflight must
// allow them, as it allows GET, POST and DELETE.

import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerCors } from '../../../dashboard-api/src/cors.js';

const app = Fastify();
afterEach(async () => {
  await app.close();
});

describe('CORS preflight for the fleet routes', () => {
  it('allows PUT and PATCH from a configured origin', async () => {
    registerCors(app, ['https://portal.example']);
    app.patch('/api/v1/sites/:site', async () => ({}));
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const pre = await app.inject({ method: 'OPTIONS', url: '/api/v1/sites/k-1', headers: { origin: 'https://portal.example', 'access-control-request-method': method } });
      expect(pre.statusCode).toBe(204);
      expect(String(pre.headers['access-control-allow-methods']).split(/,\s*/)).toContain(method);
    }
  });
});
