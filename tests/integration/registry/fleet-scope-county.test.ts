// A county's admin over the fleet routes: another county's sites and devices answer 404 as if they
// did not exist (list, add, remove, replace, delete), a site may not be created or moved outside his
// county, an import naming another county's site is refused; his own county he provisions as usual.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenStore } from '../../../dashboard-api/src/token-store.js';
import { adminAuth, startFleetApi, type FleetApi } from '../../support/fleet-api.js';

let api: FleetApi;
let county: Record<string, string>;
const by = { actor: 'seed', atMs: 0 };
const gas = { id: 'gas-02', kind: 'detector', channels: { ch4: { quantity: 'methane_lel' } } };

beforeEach(async () => {
  api = await startFleetApi();
  api.fleet.putRegion({ id: 'hb', name: '湖北省', level: 'province' }, by);
  api.fleet.putRegion({ id: 'ja', name: '江岸区', level: 'county', parent: 'hb' }, by);
  api.fleet.putRegion({ id: 'wc', name: '武昌区', level: 'county', parent: 'hb' }, by);
  const detector = { id: 'gas-01', kind: 'detector' as const, auth: 'signed' as const, loginKey: 'a'.repeat(64), channels: { ch4: { quantity: 'methane_lel' as const } } };
  api.fleet.putSite({ id: 'k-1', name: '江岸一店', region: 'ja', devices: [detector] }, by);
  api.fleet.putSite({ id: 'k-2', name: '武昌小馆', region: 'wc', devices: [detector] }, by);
  county = { authorization: `Bearer ${new TokenStore(api.db, Date.now).create('江岸 admin', 'admin', 'test', { kind: 'regions', regions: ['ja'] }).token}` };
});
afterEach(async () => {
  await api.close();
});

const send = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) =>
  api.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

describe('a county admin over the fleet routes', () => {
  it("answers 404 for another county's site and devices, and changes nothing there", async () => {
    expect((await send('GET', '/api/v1/sites/k-2/devices', county)).statusCode).toBe(404);
    expect((await send('POST', '/api/v1/sites/k-2/devices', county, gas)).statusCode).toBe(404);
    expect((await send('DELETE', '/api/v1/sites/k-2/devices/gas-01', county)).statusCode).toBe(404);
    expect((await send('PUT', '/api/v1/sites/k-2', county, { name: '改名', region: 'ja' })).statusCode).toBe(404);
    expect((await send('DELETE', '/api/v1/sites/k-2?withDevices=true', county)).statusCode).toBe(404);
    const k2 = api.fleet.site('k-2')!;
    expect(k2).toMatchObject({ name: '武昌小馆', region: 'wc' });
    expect(k2.devices.map((d) => d.id)).toEqual(['gas-01']);
  });

  it('may not create or move a site outside his county (403), nor import into another county', async () => {
    const elsewhere = await send('PUT', '/api/v1/sites/k-3', county, { name: '新店', region: 'wc' });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json().message).toMatch(/outside (this account's|your) scope/);
    expect((await send('PUT', '/api/v1/sites/k-3', county, { name: '无区域' })).statusCode).toBe(403);
    expect((await send('PUT', '/api/v1/sites/k-1', county, { name: '江岸一店', region: 'wc' })).statusCode).toBe(403);
    expect(api.fleet.site('k-3')).toBeUndefined();
    expect(api.fleet.site('k-1')!.region).toBe('ja');
    const imported = await api.app.inject({ method: 'POST', url: '/api/v1/devices/import', headers: { ...county, 'content-type': 'text/csv' }, payload: 'site,device,kind,channels\nk-2,gas-09,detector,ch4:methane_lel\n' });
    expect([403, 422]).toContain(imported.statusCode);
    expect(api.fleet.device('k-2', 'gas-09')).toBeUndefined();
  });

  it('provisions his own county as usual', async () => {
    expect((await send('PUT', '/api/v1/sites/k-4', county, { name: '江岸新店', region: 'ja' })).statusCode).toBe(201);
    const made = await send('POST', '/api/v1/sites/k-4/devices', county, gas);
    expect(made.statusCode).toBe(201);
    expect((await send('GET', '/api/v1/sites/k-4/devices', county)).json().devices.map((d: { id: string }) => d.id)).toEqual(['gas-02']);
    expect((await send('DELETE', '/api/v1/sites/k-4/devices/gas-02', county)).statusCode).toBe(204);
    expect((await send('DELETE', '/api/v1/sites/k-4', county)).statusCode).toBe(204);
    // The whole fleet's admin is not limited.
    expect((await send('GET', '/api/v1/sites/k-2/devices', adminAuth)).statusCode).toBe(200);
  });
});
