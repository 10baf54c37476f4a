// What protects the API and what it tells operators: security headers with a same-origin CSP,
// CORS off unless configured, the general and the failed-authentication rate limits, the OpenAPI
// document with every route, and /metrics from the gateway's own registry.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { call, startApiGateway, TOKENS } from './helpers.js';
import type { RunningGateway } from '../../support/fixture.js';

describe('API protection and operations', () => {
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let g: RunningGateway;

  beforeAll(async () => {
    env = await startApiGateway();
    g = env.gateway;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('sends a same-origin CSP without upgrade-insecure-requests, and the other helmet headers', async () => {
    for (const url of ['/', '/api/v1/me']) {
      const res = await call(g, 'viewer', { method: 'GET', url });
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('puts the security headers on refusals too', async () => {
    const res = await g.api!.inject({ method: 'GET', url: '/api/v1/me' });
    expect(res.statusCode).toBe(401);
    expect(String(res.headers['content-security-policy'])).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers no CORS headers when no origin is configured', async () => {
    const res = await call(g, 'viewer', { method: 'GET', url: '/api/v1/me', headers: { origin: 'http://evil.example' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('documents every /api/v1 route in OpenAPI 3 at /docs/json and serves /docs', async () => {
    const doc = (await g.api!.inject({ method: 'GET', url: '/docs/json' })).json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    for (const expected of [
      'GET /api/v1/me', 'GET /api/v1/sites', 'GET /api/v1/devices', 'GET /api/v1/alarms', 'GET /api/v1/alarms/{id}',
      'POST /api/v1/alarms/{id}/ack', 'POST /api/v1/alarms/{id}/shelve', 'POST /api/v1/alarms/{id}/unshelve', 'POST /api/v1/alarms/{id}/close',
      'GET /api/v1/orders', 'POST /api/v1/orders/{id}/rectification', 'POST /api/v1/orders/{id}/inspection', 'POST /api/v1/orders/{id}/lift',
      'POST /api/v1/devices/{site}/{device}/out-of-service', 'DELETE /api/v1/devices/{site}/{device}/out-of-service', 'GET /api/v1/rules',
      'GET /api/v1/history', 'GET /api/v1/audit', 'GET /api/v1/audit/verify', 'GET /api/v1/metrics/alarms', 'GET /api/v1/stream',
      'GET /api/v1/tokens', 'POST /api/v1/tokens', 'DELETE /api/v1/tokens/{id}',
    ]) {
      expect(routes).toContain(expected);
    }
    const shelve = doc.paths['/api/v1/alarms/{id}/shelve']!.post as { requestBody: { content: Record<string, { schema: { required: string[] } }> } };
    expect(shelve.requestBody.content['application/json']!.schema.required).toEqual(['reason', 'minutes']);
    const ui = await g.api!.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  it('exposes readings, rejections, detection latency and active alarms on /metrics', async () => {
    const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId });
    let ts = Date.now() - 60_000;
    for (let seq = 1; seq <= 5; seq++) await device.publishAsync(topic, JSON.stringify({ ts: (ts += 2000), seq, readings: { ch4: 30, co: 2 } }), { qos: 1 });
    await device.publishAsync(topic, '{"not":"telemetry"}', { qos: 1 });
    await device.endAsync();
    const text = await eventually(async () => {
      const body = (await g.api!.inject({ method: 'GET', url: '/metrics' })).body;
      return /^shaobing_readings_total 5$/m.test(body) && /^shaobing_alarms_active\{level="orange"\} 1$/m.test(body) ? body : undefined;
    }, 5000, 'metrics');
    expect(text).toMatch(/^shaobing_readings_rejected_total\{reason="[a-z_]+"\} 1$/m);
    // The orange alarm was raised by a reading stamped up to a minute ago: its latency is that old.
    expect(text).toMatch(/^shaobing_detection_latency_seconds_count 1$/m);
    const sum = Number(/^shaobing_detection_latency_seconds_sum (\S+)$/m.exec(text)![1]);
    expect(sum).toBeGreaterThan(40);
    expect(sum).toBeLessThan(120);
    expect(text).toMatch(/^shaobing_notifications\{outcome="pending"\} \d+$/m);
    expect(text).toMatch(/^shaobing_process_resident_memory_bytes /m);
  });
});

describe('limits', () => {
  it('answers 429 past the request limit per token, and past the failed-authentication limit per address', async () => {
    const env = await startApiGateway((input) => {
      input.api = { ...input.api, rateLimit: { max: 5, windowS: 60 }, authFailureLimit: { max: 3, windowS: 60 } };
    });
    try {
      const g = env.gateway;
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await call(g, 'viewer', { method: 'GET', url: '/api/v1/me' })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const limited = await call(g, 'viewer', { method: 'GET', url: '/api/v1/me' });
      expect(limited.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests', message: expect.stringMatching(/^rate limit exceeded: retry in/) });
      // Another token has its own allowance.
      expect((await call(g, 'officer', { method: 'GET', url: '/api/v1/me' })).statusCode).toBe(200);

      const wrong: number[] = [];
      for (let i = 0; i < 4; i++) wrong.push((await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer guess-${i}` } })).statusCode);
      expect(wrong).toEqual([401, 401, 401, 429]);
      // Once blocked, the address's failing requests wait, but a good token from it is served: an
      // officer behind the same address must not be locked out by someone else's guesses.
      const blocked = await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer guess-9' } });
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().message).toMatch(/^too many failed authentications from this address: retry in \d+ s$/);
      const good = await g.api!.inject({ method: 'GET', url: '/api/v1/sites', headers: { authorization: `Bearer ${TOKENS.admin}` } });
      expect(good.statusCode).toBe(200);
      // Health stays reachable for the orchestrator.
      expect((await g.api!.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await env.stop();
    }
  });

  it('answers CORS only for a configured origin, and preflights it', async () => {
    const env = await startApiGateway((input) => {
      input.api = { ...input.api, corsOrigins: ['https://portal.example'] };
    });
    try {
      const g = env.gateway;
      const ok = await call(g, 'viewer', { method: 'GET', url: '/api/v1/me', headers: { origin: 'https://portal.example' } });
      expect(ok.headers['access-control-allow-origin']).toBe('https://portal.example');
      const other = await call(g, 'viewer', { method: 'GET', url: '/api/v1/me', headers: { origin: 'https://evil.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await g.api!.inject({ method: 'OPTIONS', url: '/api/v1/alarms/x/ack', headers: { origin: 'https://portal.example', 'access-control-request-method': 'POST' } });
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-headers']).toContain('authorization');
    } finally {
      await env.stop();
    }
  });
});
