// Fleet writes limited to the caller's scope: an admin of one gas company (scope org:gas-a) sees,
// edits and imports only its own kitchens; another company's site answers as if it did not exist,
// and a new site must lie within the scope.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminAuth, FLEET_TOKENS, startFleetApi, type FleetApi } from '../../support/fleet-api.js';

const by = { actor: 'seed', atMs: Date.now() };
const gasA = { authorization: `Bearer ${FLEET_TOKENS.gasAdmin}` };
let api: FleetApi;

beforeEach(async () => {
  api = await startFleetApi();
  api.fleet.putOrganisation({ id: 'gas-a', name: '甲燃气' }, by);
  api.fleet.putOrganisation({ id: 'gas-b', name: '乙燃气' }, by);
  api.fleet.putSite({ id: 'a-1', name: 'A 的厨房', org: 'gas-a', devices: [] }, by);
  api.fleet.putSite({ id: 'b-1', name: 'B 的厨房', org: 'gas-b', devices: [] }, by);
});
afterEach(async () => {
  await api.close();
});

const send = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = gasA) =>
  api.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
const importFile = (text: string) => api.app.inject({ method: 'POST', url: '/api/v1/devices/import', headers: { ...gasA, 'content-type': 'text/csv', accept: 'application/json' }, payload: text });

describe('fleet writes within a scope', () => {
  it("answers 404 for another company's site, to read, add to, remove from or remove", async () => {
    expect((await send('GET', '/api/v1/sites/a-1/devices')).statusCode).toBe(200);
    expect((await send('GET', '/api/v1/sites/b-1/devices')).statusCode).toBe(404);
    expect((await send('POST', '/api/v1/sites/b-1/devices', { id: 'fan-01', kind: 'fan' })).statusCode).toBe(404);
    api.fleet.putDevices([{ site: 'b-1', device: { id: 'fan-01', kind: 'fan', auth: 'signed', loginKey: 'b'.repeat(64) } }], by);
    expect((await send('DELETE', '/api/v1/sites/b-1/devices/fan-01')).statusCode).toBe(404);
    expect((await send('DELETE', '/api/v1/sites/b-1?withDevices=true')).statusCode).toBe(404);
    expect((await send('PUT', '/api/v1/sites/b-1', { name: '抢来的', org: 'gas-a' })).statusCode).toBe(404);
    expect(api.fleet.site('b-1')).toMatchObject({ name: 'B 的厨房', devices: [{ id: 'fan-01' }] });
    expect((await send('POST', '/api/v1/sites/a-1/devices', { id: 'fan-01', kind: 'fan' })).statusCode).toBe(201);
  });

  it('creates a site only within the scope', async () => {
    expect((await send('PUT', '/api/v1/sites/a-2', { name: '新店', org: 'gas-b' })).statusCode).toBe(403);
    expect((await send('PUT', '/api/v1/sites/a-2', { name: '新店' })).statusCode).toBe(403);
    expect((await send('PUT', '/api/v1/sites/a-2', { name: '新店', org: 'gas-a' })).statusCode).toBe(201);
    // An admin of every site may create one anywhere.
    expect((await send('PUT', '/api/v1/sites/b-2', { name: '乙新店', org: 'gas-b' }, adminAuth)).statusCode).toBe(201);
  });

  it("imports into its own sites only: another company's site is refused as absent, a new one must be its own", async () => {
    const res = await importFile('站点,站点名称,单位,设备,类型\na-1,,,fan-01,fan\nb-1,,,fan-02,fan\na-3,三号店,gas-a,fan-01,fan\nb-3,乙三号,gas-b,fan-01,fan\n');
    expect(res.statusCode).toBe(422);
    expect((res.json() as { refused: { line: number; column: string; reason: string }[] }).refused.map((r) => [r.line, r.column, r.reason.slice(0, 20)])).toEqual([
      [3, '站点', 'no site b-1'],
      [5, '单位', 'a new site b-3 must '],
    ]);
    expect(api.fleet.site('b-1')!.devices).toEqual([]);
    expect(api.fleet.site('b-3')).toBeUndefined();
    const good = await importFile('站点,站点名称,单位,设备,类型\na-1,,,fan-01,fan\na-3,三号店,gas-a,fan-01,fan\n');
    expect(good.statusCode).toBe(200);
    expect(api.fleet.site('a-3')).toMatchObject({ org: 'gas-a' });
  });
});
