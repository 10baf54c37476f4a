// An open live stream is checked again at each ping: it ends once its session is logged out, its
// user's scope changes or its token is revoked, and stays open while its bearer still holds.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SITE } from '../../support/gateway.js';
import { startApiGateway, TOKENS } from './helpers.js';

const PASSWORD = 'correct horse battery';

describe('live streams follow their bearer', () => {
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let base: string;

  beforeAll(async () => {
    // One check a second, so the test waits seconds, not the default 15.
    env = await startApiGateway((c) => void (c.api = { ...c.api, streamPingS: 1 }));
    base = `http://127.0.0.1:${env.gateway.apiPort}`;
  });
  afterAll(async () => {
    await env?.stop();
  });

  async function call(method: string, path: string, token: string | null, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  /** Opens the stream as EventSource would; `ended` resolves with the ms it stayed open once the server ends it. */
  async function openStream(token: string) {
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/stream?access_token=${encodeURIComponent(token)}`, { signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const opened = Date.now();
    const ended = (async () => {
      for (;;) {
        const { done } = await reader.read();
        if (done) return Date.now() - opened;
      }
    })().catch(() => -1);
    return { ended, abort: () => controller.abort() };
  }

  async function userToken(name: string): Promise<string> {
    await call('POST', '/api/v1/users', TOKENS.admin, { name, displayName: name, password: PASSWORD, role: 'officer', scope: `site:${DEMO_SITE}` });
    return (await call('POST', '/api/v1/session', null, { name, password: PASSWORD })).body.token as string;
  }

  const within = (p: Promise<number>, ms: number) => Promise.race([p, new Promise<number>((r) => setTimeout(() => r(Infinity), ms))]);

  it('ends the stream of a session that logged out', async () => {
    const token = await userToken('logout.user');
    const stream = await openStream(token);
    expect((await call('DELETE', '/api/v1/session', token)).status).toBe(200);
    expect(await within(stream.ended, 5000)).toBeLessThan(5000);
  });

  it('ends the stream of a user whose scope changed (it reopens with the new one)', async () => {
    const token = await userToken('moved.user');
    const stream = await openStream(token);
    expect((await call('PATCH', '/api/v1/users/moved.user', TOKENS.admin, { scope: 'all' })).status).toBe(200);
    expect(await within(stream.ended, 5000)).toBeLessThan(5000);
    // The session itself still works, now with scope all.
    expect((await call('GET', '/api/v1/me', token)).body.scope).toEqual({ kind: 'all' });
  });

  it('ends the stream of a revoked token, and keeps the one whose bearer still holds', async () => {
    const made = await call('POST', '/api/v1/tokens', TOKENS.admin, { name: 'wall screen', role: 'viewer' });
    const revoked = await openStream(made.body.token as string);
    const kept = await openStream(TOKENS.viewer);
    expect((await call('DELETE', `/api/v1/tokens/${made.body.info.id}`, TOKENS.admin)).status).toBe(200);
    expect(await within(revoked.ended, 5000)).toBeLessThan(5000);
    // Three more checks later the other stream is still open.
    expect(await within(kept.ended, 3000)).toBe(Infinity);
    kept.abort();
  });
});
