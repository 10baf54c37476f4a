// A county's admin grants and manages only what its own scope holds, over real HTTP: no `all`
// token, no user of the other county, and the accounts and tokens beyond its scope answer 404 as
// if they did not exist, so it cannot reset a fleet-wide admin's password and log in as him.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION_A, REGION_B, SITE_A, twoCounties } from '../../support/regions.js';
import { startApiGateway, TOKENS } from './helpers.js';

type Env = Awaited<ReturnType<typeof startApiGateway>>;
type Json = Record<string, any>;
const PASSWORD = 'correct horse battery';

describe("a county admin's grants", () => {
  let env: Env;
  let base: string;
  let adminA: string;

  async function http(token: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Json) : {} };
  }

  beforeAll(async () => {
    env = await startApiGateway(twoCounties);
    base = `http://127.0.0.1:${env.gateway.apiPort}`;
    for (const [name, scope] of [['admin.a', `region:${REGION_A}`], ['boss', 'all'], ['officer.b', `region:${REGION_B}`]] as const) {
      const made = await http(TOKENS.admin, 'POST', '/api/v1/users', { name, displayName: name, password: PASSWORD, role: name === 'officer.b' ? 'officer' : 'admin', scope });
      expect(made.status).toBe(200);
    }
    adminA = (await http(null, 'POST', '/api/v1/session', { name: 'admin.a', password: PASSWORD })).body.token as string;
    expect(adminA).toMatch(/^ss_/);
  }, 30_000);

  afterAll(() => env?.stop());

  it('refuses to grant a scope wider than its own, and grants one within it', async () => {
    const all = await http(adminA, 'POST', '/api/v1/tokens', { name: 'wide', role: 'viewer' });
    expect(all.status).toBe(403);
    expect(all.body.message).toBe(`scope: all is wider than your own (region:${REGION_A})`);
    expect((await http(adminA, 'POST', '/api/v1/tokens', { name: 'b', role: 'viewer', scope: `region:${REGION_B}` })).status).toBe(403);
    expect((await http(adminA, 'POST', '/api/v1/users', { name: 'x.b', displayName: 'x', password: PASSWORD, role: 'officer', scope: `region:${REGION_B}` })).status).toBe(403);
    expect((await http(adminA, 'POST', '/api/v1/tokens', { name: 'town', role: 'viewer', scope: 'region:town-a1' })).status).toBe(200);
    expect((await http(adminA, 'POST', '/api/v1/users', { name: 'owner.a', displayName: '王老板', password: PASSWORD, role: 'owner', scope: `site:${SITE_A}` })).status).toBe(200);
  });

  it("answers 404 for accounts and tokens beyond its scope: it cannot take over the fleet's admin", async () => {
    const missing = await http(adminA, 'PATCH', '/api/v1/users/nobody', { password: 'a new password 123' });
    const boss = await http(adminA, 'PATCH', '/api/v1/users/boss', { password: 'a new password 123' });
    expect(boss.status).toBe(404);
    expect(boss.body).toEqual({ ...missing.body, message: missing.body.message.replace('nobody', 'boss') });
    expect((await http(adminA, 'PATCH', '/api/v1/users/officer.b', { disabled: true })).status).toBe(404);
    // The fleet's admin still logs in with his own password.
    expect((await http(null, 'POST', '/api/v1/session', { name: 'boss', password: PASSWORD })).status).toBe(200);
    // Nor may it widen its own account.
    expect((await http(adminA, 'PATCH', '/api/v1/users/admin.a', { scope: 'all' })).status).toBe(403);
    const wide = await http(TOKENS.admin, 'POST', '/api/v1/tokens', { name: 'fleet', role: 'viewer' });
    expect((await http(adminA, 'DELETE', `/api/v1/tokens/${wide.body.info.id}`)).status).toBe(404);
    expect((await http(TOKENS.admin, 'DELETE', `/api/v1/tokens/${wide.body.info.id}`)).status).toBe(200);
  });

  it('lists only the users and tokens within its scope, paged in the query', async () => {
    const first = await http(adminA, 'GET', '/api/v1/users?limit=1');
    expect(first.body.users.map((u: Json) => u.name)).toEqual(['admin.a']);
    const second = await http(adminA, 'GET', `/api/v1/users?limit=1&after=${first.body.next}`);
    expect(second.body.users.map((u: Json) => u.name)).toEqual(['owner.a']);
    expect(second.body.next).toBeNull();
    expect((await http(TOKENS.admin, 'GET', '/api/v1/users?limit=100')).body.users.map((u: Json) => u.name)).toEqual(['admin.a', 'boss', 'officer.b', 'owner.a']);
    const tokens = (await http(adminA, 'GET', '/api/v1/tokens')).body.tokens as Json[];
    // Its own town's token and the bootstrap owner token of A's kitchen; none of the fleet-wide ones.
    expect(tokens.map((t) => t.name).sort()).toEqual(['owner Chen', 'town']);
    expect(tokens.find((t) => t.name === 'owner Chen')!.scope).toEqual({ kind: 'site', site: SITE_A });
  });
});
