// The page's site form over the API: PATCH changes only the fields it names (the preset, location
// and devices stay), null clears one, refusals name the field, and a region-scoped admin neither
// sees another region's site nor moves his own out of his region.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../../dashboard-api/src/token-store.js';
import { adminAuth, startFleetApi, type FleetApi } from '../../support/fleet-api.js';

let api: FleetApi;
const by = { actor: 'seed', atMs: 0 };
beforeEach(async () => {
  api = await startFleetApi();
  api.fleet.putRegion({ id: 'hb', name: '湖北省', level: 'province' }, by);
  api.fleet.putRegion({ id: 'ja', name: '江岸区', level: 'county', parent: 'hb' }, by);
  api.fleet.putRegion({ id: 'wc', name: '武昌区', level: 'county', parent: 'hb' }, by);
  api.fleet.putOrganisation({ id: 'whgas', name: '武汉燃气' }, by);
  api.fleet.putSite(
    {
      id: 'k-1',
      name: '老王烧烤',
      address: '解放路 12 号',
      region: 'ja',
      preset: 'restaurant_kitchen',
      location: { lat: 30.59, lon: 114.3 },
      devices: [{ id: 'gas-01', kind: 'detector', auth: 'signed', loginKey: 'a'.repeat(64), channels: { ch4: { quantity: 'methane_lel' } } }],
    },
    by,
  );
  api.fleet.putSite({ id: 'k-2', name: '武昌小馆', region: 'wc', devices: [] }, by);
});
afterEach(async () => {
  await api.close();
});

const send = (method: 'GET' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = adminAuth) =>
  api.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

describe('a site edited field by field', () => {
  it('GET answers the record without devices; PATCH changes the named fields and keeps preset, location and devices', async () => {
    const got = await send('GET', '/api/v1/sites/k-1');
    expect(got.statusCode).toBe(200);
    expect(got.json().site).toMatchObject({ id: 'k-1', name: '老王烧烤', region: 'ja', deviceCount: 1, source: 'registry' });
    expect(got.body).not.toMatch(/loginKey|devices"/);

    const patched = await send('PATCH', '/api/v1/sites/k-1', { name: '老王烧烤（新店）', contact: '王师傅', contactPhone: '13800000000', org: 'whgas', address: null });
    expect(patched.statusCode).toBe(200);
    const site = api.fleet.site('k-1')!;
    expect(site).toMatchObject({ name: '老王烧烤（新店）', contact: '王师傅', contactPhone: '13800000000', org: 'whgas', region: 'ja', preset: 'restaurant_kitchen', location: { lat: 30.59, lon: 114.3 } });
    expect(site.address).toBeUndefined();
    expect(site.devices.map((d) => d.id)).toEqual(['gas-01']);
    const audit = api.db.prepare("SELECT actor, target FROM audit_log WHERE action LIKE 'site.%' ORDER BY id DESC LIMIT 1").get() as { actor: string; target: string };
    expect(audit).toEqual({ actor: 'admin Wang', target: 'k-1' });
  });

  it('refuses an unknown region or organisation naming the field, an unknown field, and a missing site', async () => {
    const region = await send('PATCH', '/api/v1/sites/k-1', { region: 'nowhere' });
    expect(region.statusCode).toBe(422);
    expect(region.json().problems[0]).toMatchObject({ field: expect.stringMatching(/region/) });
    expect((await send('PATCH', '/api/v1/sites/k-1', { name: '' })).statusCode).toBe(422);
    expect((await send('PATCH', '/api/v1/sites/k-1', { devices: [] })).statusCode).toBe(400);
    expect((await send('PATCH', '/api/v1/sites/none', { name: 'x' })).statusCode).toBe(404);
    expect(api.fleet.site('k-1')!.region).toBe('ja');
  });

  it('a region-scoped admin: another region\'s site is 404, moving his own out of his region is 403', async () => {
    const token = new TokenStore(api.db, Date.now).create('江岸 admin', 'admin', 'test', { kind: 'regions', regions: ['ja'] }).token;
    const auth = { authorization: `Bearer ${token}` };
    expect((await send('GET', '/api/v1/sites/k-2', undefined, auth)).statusCode).toBe(404);
    expect((await send('PATCH', '/api/v1/sites/k-2', { name: 'x' }, auth)).statusCode).toBe(404);
    const out = await send('PATCH', '/api/v1/sites/k-1', { region: 'wc' }, auth);
    expect(out.statusCode).toBe(403);
    expect(out.json().message).toMatch(/outside this account's scope/);
    expect((await send('PATCH', '/api/v1/sites/k-1', { contact: '李' }, auth)).statusCode).toBe(200);
    expect(api.fleet.site('k-1')!.region).toBe('ja');
  });

  it('the device list (GET /devices) holds a device added through the API at once, and drops a removed one', async () => {
    const listed = async () => ((await send('GET', '/api/v1/devices?site=k-1')).json() as { devices: { id: string }[] }).devices.map((d) => d.id);
    expect(await listed()).toEqual(['gas-01']);
    const made = await api.app.inject({ method: 'POST', url: '/api/v1/sites/k-1/devices', headers: adminAuth, payload: { id: 'gas-02', kind: 'detector', channels: { ch4: { quantity: 'methane_lel' } } } });
    expect(made.statusCode).toBe(201);
    expect(await listed()).toEqual(['gas-01', 'gas-02']);
    expect((await api.app.inject({ method: 'DELETE', url: '/api/v1/sites/k-1/devices/gas-01', headers: adminAuth })).statusCode).toBe(204);
    expect(await listed()).toEqual(['gas-02']);
  });

  it("the safety bureau's device report (GET /export/devices) holds a site and device added through the API", async () => {
    await api.app.inject({ method: 'PUT', url: '/api/v1/sites/k-9', headers: adminAuth, payload: { name: '九号店', region: 'ja' } });
    const made = await api.app.inject({ method: 'POST', url: '/api/v1/sites/k-9/devices', headers: adminAuth, payload: { id: 'gas-09', kind: 'detector', channels: { ch4: { quantity: 'methane_lel' } } } });
    expect(made.statusCode).toBe(201);
    const all = await send('GET', '/api/v1/export/devices');
    expect(all.statusCode).toBe(200);
    expect(all.body).toMatch(/k-9,九号店.*gas-09|k-9.*gas-09/);
    const one = await send('GET', '/api/v1/export/devices?site=k-9');
    expect(one.statusCode).toBe(200);
    expect(one.body).toContain('gas-09');
    expect(one.body).not.toContain('gas-01');
  });
});
