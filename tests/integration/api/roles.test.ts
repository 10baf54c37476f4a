// The role matrix: every action of the API against no token and each role. Below the role an
// action needs: 401 without a token, 403 naming the role needed; at or above it the request gets
// through authentication (mutations aim at ids that do not exist, so the matrix changes nothing
// but the one token it creates).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { ROLES, roleAtLeast, type Role } from '../../../dashboard-api/src/token-store.js';
import { call, NAMES, startApiGateway, TOKENS } from './helpers.js';
import type { RunningGateway } from '../../support/fixture.js';

interface Action {
  readonly name: string;
  readonly needs: Role;
  readonly request: InjectOptions;
  /** The status an allowed caller gets. */
  readonly allowed: number;
}

const S = 'kitchen-01';
const json = (method: 'POST' | 'DELETE', url: string, payload?: object): InjectOptions => ({ method, url, ...(payload ? { payload } : {}) });

const ACTIONS: Action[] = [
  { name: 'me', needs: 'viewer', request: { method: 'GET', url: '/api/v1/me' }, allowed: 200 },
  { name: 'list sites', needs: 'viewer', request: { method: 'GET', url: '/api/v1/sites' }, allowed: 200 },
  { name: 'list devices', needs: 'viewer', request: { method: 'GET', url: `/api/v1/devices?site=${S}` }, allowed: 200 },
  { name: 'list alarms', needs: 'viewer', request: { method: 'GET', url: '/api/v1/alarms' }, allowed: 200 },
  { name: 'read an alarm', needs: 'viewer', request: { method: 'GET', url: '/api/v1/alarms/nope' }, allowed: 404 },
  { name: 'list orders', needs: 'viewer', request: { method: 'GET', url: '/api/v1/orders' }, allowed: 200 },
  { name: 'list rules', needs: 'viewer', request: { method: 'GET', url: '/api/v1/rules' }, allowed: 200 },
  { name: 'read history', needs: 'viewer', request: { method: 'GET', url: `/api/v1/history?site=${S}&device=gas-01&channel=ch4` }, allowed: 200 },
  { name: 'alarm metrics', needs: 'viewer', request: { method: 'GET', url: '/api/v1/metrics/alarms' }, allowed: 200 },
  { name: 'daily briefing', needs: 'viewer', request: { method: 'GET', url: '/api/v1/briefing' }, allowed: 200 },
  { name: 'daily briefing page', needs: 'viewer', request: { method: 'GET', url: '/api/v1/briefing.html' }, allowed: 200 },
  { name: 'list notifications', needs: 'officer', request: { method: 'GET', url: '/api/v1/notifications' }, allowed: 200 },
  { name: 'acknowledge', needs: 'owner', request: json('POST', '/api/v1/alarms/nope/ack', {}), allowed: 404 },
  { name: 'shelve', needs: 'officer', request: json('POST', '/api/v1/alarms/nope/shelve', { reason: 'sensor swap', minutes: 30 }), allowed: 404 },
  { name: 'unshelve', needs: 'officer', request: json('POST', '/api/v1/alarms/nope/unshelve'), allowed: 404 },
  { name: 'close', needs: 'officer', request: json('POST', '/api/v1/alarms/nope/close', { note: 'hose replaced' }), allowed: 404 },
  { name: 'record rectification', needs: 'officer', request: json('POST', '/api/v1/orders/nope/rectification', { note: 'hose replaced' }), allowed: 404 },
  { name: 'record inspection', needs: 'officer', request: json('POST', '/api/v1/orders/nope/inspection', { note: 'air tested' }), allowed: 404 },
  { name: 'lift an order', needs: 'officer', request: json('POST', '/api/v1/orders/nope/lift', { note: 'air tested' }), allowed: 404 },
  { name: 'put out of service', needs: 'admin', request: json('POST', `/api/v1/devices/${S}/nope/out-of-service`, { reason: 'calibration', minutes: 60 }), allowed: 404 },
  { name: 'return to service', needs: 'admin', request: json('DELETE', `/api/v1/devices/${S}/nope/out-of-service`), allowed: 404 },
  { name: 'retry a notification', needs: 'admin', request: json('POST', '/api/v1/notifications/999999/retry'), allowed: 404 },
  { name: 'list tokens', needs: 'admin', request: { method: 'GET', url: '/api/v1/tokens' }, allowed: 200 },
  { name: 'create a token', needs: 'admin', request: json('POST', '/api/v1/tokens', { name: 'matrix', role: 'viewer' }), allowed: 200 },
  { name: 'revoke a token', needs: 'admin', request: json('DELETE', '/api/v1/tokens/nope'), allowed: 404 },
  { name: 'read the audit log', needs: 'admin', request: { method: 'GET', url: '/api/v1/audit' }, allowed: 200 },
  { name: 'verify the audit log', needs: 'admin', request: { method: 'GET', url: '/api/v1/audit/verify' }, allowed: 200 },
];

describe('role matrix', () => {
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let g: RunningGateway;

  beforeAll(async () => {
    env = await startApiGateway();
    g = env.gateway;
  });
  afterAll(async () => {
    await env?.stop();
  });

  for (const action of ACTIONS) {
    for (const role of [null, ...ROLES] as (Role | null)[]) {
      const expected = role === null ? 401 : roleAtLeast(role, action.needs) ? action.allowed : 403;
      it(`${action.name} (${action.needs}) as ${role ?? 'nobody'}: ${expected}`, async () => {
        const res = await call(g, role, action.request);
        expect(res.statusCode, res.body).toBe(expected);
        // Refusals are JSON; an allowed page (the briefing's HTML) is not.
        const body = (expected >= 400 ? res.json() : null) as { statusCode: number; error: string; message: string };
        if (expected === 401) expect(body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/^missing token/) });
        // The refusal says in words what was tried, the role it needs, and who the caller is.
        if (expected === 403) {
          expect(body).toMatchObject({ statusCode: 403, error: 'Forbidden', needed: action.needs, role });
          expect(body.message).toMatch(new RegExp(`needs .* \\(role ${action.needs} or above\\); ${NAMES[role!]} is `));
        }
      });
    }
  }

  it('refuses an unknown token, a malformed header and a revoked token with 401', async () => {
    const unknown = await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer sb_not-a-token' } });
    expect([unknown.statusCode, unknown.json().message]).toEqual([401, 'unknown or revoked token']);
    const basic = await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect([basic.statusCode, basic.json().message]).toEqual([401, 'malformed Authorization header: expected Bearer <token>']);

    const made = await call(g, 'admin', { method: 'POST', url: '/api/v1/tokens', payload: { name: 'temp officer', role: 'officer' } });
    const { token, info } = made.json() as { token: string; info: { id: string } };
    const before = await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(before.json()).toEqual({ name: 'temp officer', role: 'officer', scope: { kind: 'all' }, via: 'token' });
    expect((await call(g, 'admin', { method: 'DELETE', url: `/api/v1/tokens/${info.id}` })).statusCode).toBe(200);
    const after = await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect([after.statusCode, after.json().message]).toEqual([401, 'unknown or revoked token']);
    const again = await call(g, 'admin', { method: 'DELETE', url: `/api/v1/tokens/${info.id}` });
    expect([again.statusCode, again.json().message]).toEqual([409, `token ${info.id} is already revoked`]);
  });

  it('takes ?access_token= on the stream only, never on other routes', async () => {
    const other = await g.api!.inject({ method: 'GET', url: `/api/v1/me?access_token=${TOKENS.admin}` });
    expect(other.statusCode).toBe(401);
  });

  it('needs no token for health, readiness, metrics, the docs and the page', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/docs/json', '/']) {
      const res = await g.api!.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
    }
  });
});
