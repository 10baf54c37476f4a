// Failed authentication is limited per client, and a valid token is never refused for someone
// else's failures (dashboard-api/src/auth.ts); behind a configured reverse proxy the client is
// X-Forwarded-For's, from anyone else the header is ignored. Real HTTP from 127.0.0.x addresses.

import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../gateway/src/config/schema.js';
import { startApiGateway, TOKENS } from './helpers.js';

function get(port: number, path: string, localAddress: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const bad = (i: number) => ({ authorization: `Bearer sb_guess-${i}` });
const good = { authorization: `Bearer ${TOKENS.viewer}` };

describe('API failed-authentication limit and trusted proxies', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  async function api(trustedProxies: string[]): Promise<number> {
    const started = await startApiGateway((input) => {
      input.api = { ...input.api, authFailureLimit: { max: 5, windowS: 60 }, trustedProxies };
    });
    stops.push(() => started.stop());
    return started.gateway.apiPort!;
  }

  it('accepts a valid token behind a trusted proxy while another client behind it fails auth repeatedly', async () => {
    const port = await api(['127.0.0.1/32', '127.0.0.2']);
    const attacker = { 'x-forwarded-for': '203.0.113.66' };
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push(await get(port, '/api/v1/sites', '127.0.0.2', { ...bad(i), ...attacker }));
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    // Another officer behind the same proxy: neither limited nor refused.
    expect(await get(port, '/api/v1/sites', '127.0.0.2', { ...good, 'x-forwarded-for': '203.0.113.7' })).toBe(200);
    expect(await get(port, '/api/v1/sites', '127.0.0.2', { ...bad(99), 'x-forwarded-for': '203.0.113.7' })).toBe(401);
    // Even from the failing client's own address a valid token is served.
    expect(await get(port, '/api/v1/sites', '127.0.0.2', { ...good, ...attacker })).toBe(200);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const port = await api(['127.0.0.2']);
    // 127.0.0.3 spoofs a fresh client address in every request: the limit still holds it.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push(await get(port, '/api/v1/sites', '127.0.0.3', { ...bad(i), 'x-forwarded-for': `198.51.100.${i}` }));
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(await get(port, '/api/v1/sites', '127.0.0.3', good)).toBe(200);
    expect(await get(port, '/api/v1/sites', '127.0.0.4', bad(100))).toBe(401);
  });

  it('refuses a trusted proxy entry that is not an address or range, naming it', () => {
    const result = configSchema.shape.api.safeParse({ trustedProxies: ['10.0.0.0/8', 'proxy.example'] });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(/proxy\.example.*not an IP address or CIDR range/);
  });
});
