// One device at a time through the API: a site created with PUT, a device registered with its
// secret answered once (never a credential in any answer), the secret accepted by the real broker's
// authenticator, and devices and sites removed.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeAuthenticator } from '../../../broker/src/auth.js';
import { startBroker, type Broker } from '../../../broker/src/server.js';
import { deriveLoginKey, signLogin } from '../../../broker/src/signed-login.js';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { adminAuth, FLEET_TOKENS, startFleetApi, type FleetApi } from '../../support/fleet-api.js';
import { connectClient } from '../../support/mqtt.js';
import { eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';

let api: FleetApi;
beforeEach(async () => {
  api = await startFleetApi();
});
afterEach(async () => {
  await api.close();
});

const send = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  api.app.inject({ method, url, headers: { ...adminAuth, ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}) });

const gas = { id: 'gas-01', kind: 'detector', channels: { ch4: { quantity: 'methane_lel' } }, space: 'kitchen', installedOn: '2026-03-01', replaceBy: '2029-03-01' };

describe('sites', () => {
  it('PUT creates a site (201) and replaces its fields (200); its devices stay', async () => {
    const created = await send('PUT', '/api/v1/sites/k-9', { name: '老王烧烤', address: '解放路 12 号', contactPhone: '13800000000', location: { lat: 30.59, lon: 114.3 } });
    expect(created.statusCode).toBe(201);
    expect(created.json().site).toMatchObject({ id: 'k-9', name: '老王烧烤', deviceCount: 0 });
    await send('POST', '/api/v1/sites/k-9/devices', gas);
    const changed = await send('PUT', '/api/v1/sites/k-9', { name: '老王烧烤（新店）' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().site).toMatchObject({ name: '老王烧烤（新店）', deviceCount: 1 });
    expect(api.fleet.site('k-9')!.devices.map((d) => d.id)).toEqual(['gas-01']);
    const bad = await send('PUT', '/api/v1/sites/k-9', { name: '' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().problems[0]).toMatchObject({ field: 'name' });
  });

  it('DELETE refuses a site that still has devices unless asked withDevices=true', async () => {
    await send('PUT', '/api/v1/sites/k-9', { name: 'nine' });
    await send('POST', '/api/v1/sites/k-9/devices', gas);
    const refused = await send('DELETE', '/api/v1/sites/k-9');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/1 devices.*withDevices=true/);
    expect((await send('DELETE', '/api/v1/sites/k-9?withDevices=true')).statusCode).toBe(204);
    expect(api.fleet.site('k-9')).toBeUndefined();
    expect((await send('DELETE', '/api/v1/sites/k-9')).statusCode).toBe(404);
  });
});

describe('a site\'s devices', () => {
  beforeEach(async () => {
    expect((await send('PUT', '/api/v1/sites/k-1', { name: 'one' })).statusCode).toBe(201);
  });

  it('POST answers the secret once (201) and no answer ever carries a credential', async () => {
    const res = await send('POST', '/api/v1/sites/k-1/devices', gas);
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json() as { username: string; secret: string; device: Record<string, unknown> };
    expect(body.username).toBe('k-1/gas-01');
    expect(body.secret).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$/);
    expect(body.device).toMatchObject({ id: 'gas-01', auth: 'signed', installedOn: '2026-03-01', replaceBy: '2029-03-01' });
    expect(res.body).not.toMatch(/loginKey|passwordHash/);
    expect(api.fleet.device('k-1', 'gas-01')!.loginKey).toBe(deriveLoginKey(body.secret, 'k-1/gas-01').toString('hex'));

    const list = await send('GET', '/api/v1/sites/k-1/devices');
    expect(list.statusCode).toBe(200);
    expect(list.json().devices).toMatchObject([{ id: 'gas-01', kind: 'detector', installedOn: '2026-03-01', replaceBy: '2029-03-01' }]);
    expect(list.body).not.toMatch(/loginKey|passwordHash/);
    expect(list.body).not.toContain(body.secret);
    const viewer = await api.app.inject({ method: 'GET', url: '/api/v1/sites/k-1/devices', headers: { authorization: `Bearer ${FLEET_TOKENS.viewer}` } });
    expect(viewer.statusCode).toBe(200);
  });

  it('answers the installer CSV with Accept: text/csv', async () => {
    const res = await send('POST', '/api/v1/sites/k-1/devices', { id: 'valve-01', kind: 'valve', auth: 'static' }, { accept: 'text/csv' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-disposition']).toBe('attachment; filename="k-1-valve-01-secret.csv"');
    const [header, row] = res.body.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(header).toBe('site,device,username,secret');
    expect(row).toMatch(/^k-1,valve-01,k-1\/valve-01,[0-9A-Z-]{34}$/);
    expect(api.fleet.device('k-1', 'valve-01')!.auth).toBe('static');
  });

  it("writes an id starting with '-' as it is in the installer's file (no spreadsheet guard on ids)", async () => {
    expect((await send('PUT', '/api/v1/sites/-k2', { name: 'dash' })).statusCode).toBe(201);
    const res = await send('POST', '/api/v1/sites/-k2/devices', { id: '-fan', kind: 'fan' }, { accept: 'text/csv' });
    expect(res.body.replace(/^\ufeff/, '').split('\r\n')[1]).toMatch(/^-k2,-fan,-k2\/-fan,[0-9A-Z-]{34}$/);
  });

  it('refuses credentials in the body, a duplicate, an unknown site and a bad device, saying why', async () => {
    const cred = await send('POST', '/api/v1/sites/k-1/devices', { ...gas, loginKey: 'a'.repeat(64) });
    expect(cred.statusCode).toBe(400);
    expect(cred.json().message).toMatch(/loginKey: credentials are generated/);
    expect((await send('POST', '/api/v1/sites/k-1/devices', gas)).statusCode).toBe(201);
    expect((await send('POST', '/api/v1/sites/k-1/devices', gas)).statusCode).toBe(409);
    expect((await send('POST', '/api/v1/sites/k-404/devices', gas)).statusCode).toBe(404);
    const bad = await send('POST', '/api/v1/sites/k-1/devices', { id: 'gas-02', kind: 'detector' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().problems).toMatchObject([{ field: 'channels' }]);
    expect(bad.json().error).toBe('Unprocessable Entity');
    expect((await api.app.inject({ method: 'POST', url: '/api/v1/sites/k-1/devices', headers: { authorization: `Bearer ${FLEET_TOKENS.viewer}` }, payload: gas })).statusCode).toBe(403);
  });

  it('DELETE removes a device (204), then 404', async () => {
    await send('POST', '/api/v1/sites/k-1/devices', gas);
    expect((await send('DELETE', '/api/v1/sites/k-1/devices/gas-01')).statusCode).toBe(204);
    expect(api.fleet.device('k-1', 'gas-01')).toBeUndefined();
    expect((await send('DELETE', '/api/v1/sites/k-1/devices/gas-01')).statusCode).toBe(404);
  });

  it("the returned secret logs in to the real broker, signed and static, and another device's does not", async () => {
    const signed = (await send('POST', '/api/v1/sites/k-1/devices', gas)).json() as { secret: string };
    const fixed = (await send('POST', '/api/v1/sites/k-1/devices', { id: 'valve-01', kind: 'valve', auth: 'static' })).json() as { secret: string };
    // The broker's accounts as the registry holds them (the live gateway follows the registry itself).
    const broker: Broker = await startBroker({
      host: '127.0.0.1',
      port: 0,
      topics: makeTopics('shaobing'),
      authenticator: makeAuthenticator({ sites: api.fleet.sites() }),
      log: silentLogger(),
      drainTimeoutMs: 5000,
      onTelemetry: (_r, _t, _p, done) => done(null),
    });
    const url = `mqtt://127.0.0.1:${broker.port}`;
    try {
      const key = deriveLoginKey(signed.secret, 'k-1/gas-01');
      const device = await connectClient(url, { username: 'k-1/gas-01', clientId: 'k-1-gas-01', password: signLogin({ loginKey: key, username: 'k-1/gas-01', clientId: 'k-1-gas-01', atMs: Date.now() }) });
      device.end(true);
      const valve = await connectClient(url, { username: 'k-1/valve-01', clientId: 'k-1-valve-01', password: fixed.secret });
      valve.end(true);
      await expect(connectClient(url, { username: 'k-1/valve-01', clientId: 'k-1-valve-01b', password: signed.secret })).rejects.toThrow(/Bad username or password|Not authorized/i);
    } finally {
      await broker.close();
    }
  });
});

describe('the running gateway', () => {
  it('lets a device created through its API connect with the returned secret within 1 s, without a restart, and cuts it when removed', async () => {
    const dir = tempDir();
    const g = await startTestGateway(
      testConfig(dir.path, (input) => {
        input.api = { ...input.api, bootstrapTokens: [{ name: 'admin Wang', role: 'admin', tokenHash: hashToken(FLEET_TOKENS.admin) }] };
      }),
    );
    try {
      const put = await g.api!.inject({ method: 'PUT', url: '/api/v1/sites/k-live', headers: adminAuth, payload: { name: 'live' } });
      expect(put.statusCode).toBe(201);
      const made = await g.api!.inject({ method: 'POST', url: '/api/v1/sites/k-live/devices', headers: adminAuth, payload: gas });
      expect(made.statusCode).toBe(201);
      const { secret } = made.json() as { secret: string };
      const t0 = Date.now();
      const key = deriveLoginKey(secret, 'k-live/gas-01');
      const device = await eventually(
        () => connectClient(g.url, { username: 'k-live/gas-01', clientId: 'k-live-gas-01', password: signLogin({ loginKey: key, username: 'k-live/gas-01', clientId: 'k-live-gas-01', atMs: Date.now() }) }).catch(() => undefined),
        1000,
        'the new device to connect',
      );
      expect(Date.now() - t0).toBeLessThan(1000);

      // Removed through the API: cut at once, and its secret no longer gets in.
      const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
      expect((await g.api!.inject({ method: 'DELETE', url: '/api/v1/sites/k-live/devices/gas-01', headers: adminAuth })).statusCode).toBe(204);
      await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the removed device was not disconnected within 1 s')), 1000))]);
      device.end(true);
      await expect(
        connectClient(g.url, { username: 'k-live/gas-01', clientId: 'k-live-gas-01', password: signLogin({ loginKey: key, username: 'k-live/gas-01', clientId: 'k-live-gas-01', atMs: Date.now() }) }),
      ).rejects.toThrow();
    } finally {
      await g.stop();
      dir.remove();
    }
  });
});

