// An id longer than any the gateway makes is a miss the caller can read (404 or 400 with a
// message), never a 403 that tells an admin they lack a right they have.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startApiGateway } from './helpers.js';

describe('oversized path parameters', () => {
  let api: Awaited<ReturnType<typeof startApiGateway>>;
  beforeAll(async () => {
    api = await startApiGateway();
  });
  afterAll(async () => api?.stop());

  for (const path of ['/api/v1/alarms/ID', '/api/v1/orders/ID', '/api/v1/sites/ID']) {
    it(`answers ${path} with a 5 000-character id as 404 or 400 with a message, for an admin`, async () => {
      const res = await call(api.gateway, 'admin', { method: 'GET', url: path.replace('ID', 'a'.repeat(5000)) });
      expect([400, 404]).toContain(res.statusCode);
      const body = res.json() as { message?: string };
      expect(body.message).toMatch(/\w/);
      expect(body.message!.length).toBeLessThan(400);
    });
  }

  it('still answers an unauthenticated caller 401, whatever the id length', async () => {
    const res = await call(api.gateway, null, { method: 'GET', url: `/api/v1/alarms/${'a'.repeat(5000)}` });
    expect(res.statusCode).toBe(401);
  });
});
