// The region tree and the organisations edited through the API over a real state.db and the live
// registry: created, changed, refused with every problem, removal refused while in use, each write
// audited, a region-scoped admin kept out, and the registry exported as YAML without credentials.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TokenStore } from '../../../dashboard-api/src/token-store.js';
import { adminAuth, FLEET_TOKENS, startFleetApi, type FleetApi } from '../../support/fleet-api.js';

let api: FleetApi;
beforeEach(async () => {
  api = await startFleetApi();
});
afterEach(async () => {
  await api.close();
});

const send = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = adminAuth) =>
  api.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

const audited = (action: string) =>
  api.db.prepare('SELECT actor, target, detail FROM audit_log WHERE action = ? ORDER BY id').all(action) as { actor: string; target: string; detail: string }[];

async function tree(): Promise<void> {
  expect((await send('PUT', '/api/v1/regions/hb', { name: '湖北省', level: 'province', officers: ['省厅值班'] })).statusCode).toBe(201);
  expect((await send('PUT', '/api/v1/regions/wh', { name: '武汉市', level: 'city', parent: 'hb' })).statusCode).toBe(201);
  expect((await send('PUT', '/api/v1/regions/ja', { name: '江岸区', level: 'county', parent: 'wh', officers: ['李科长'] })).statusCode).toBe(201);
}

describe('regions', () => {
  it('PUT builds the tree (201), changes a node (200) and the registry holds its path and officers at once', async () => {
    await tree();
    expect(api.fleet.regions().find((r) => r.id === 'ja')).toMatchObject({ path: '/hb/wh/ja/', officers: ['李科长'], source: 'registry' });
    const changed = await send('PUT', '/api/v1/regions/ja', { name: '江岸区', level: 'county', parent: 'wh', officers: ['李科长', '王干事'] });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().region).toMatchObject({ id: 'ja', parent: 'wh', path: '/hb/wh/ja/', officers: ['李科长', '王干事'] });
    expect(api.fleet.regions().find((r) => r.id === 'ja')!.officers).toEqual(['李科长', '王干事']);
    expect(audited('region.put').map((a) => [a.actor, a.target])).toEqual([
      ['admin Wang', 'hb'],
      ['admin Wang', 'wh'],
      ['admin Wang', 'ja'],
      ['admin Wang', 'ja'],
    ]);
  });

  it('refuses a bad region naming each field, an unknown parent, and an id in the body', async () => {
    const bad = await send('PUT', '/api/v1/regions/x1', { name: '', level: 'village' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().problems.map((p: { field: string }) => p.field).sort()).toEqual(['level', 'name']);
    const orphan = await send('PUT', '/api/v1/regions/x2', { name: '孤儿', level: 'county', parent: 'nowhere' });
    expect(orphan.statusCode).toBeGreaterThanOrEqual(400);
    expect(orphan.statusCode).toBeLessThan(500);
    expect(JSON.stringify(orphan.json())).toMatch(/nowhere/);
    const withId = await send('PUT', '/api/v1/regions/x3', { id: 'other', name: 'x', level: 'city' });
    expect(withId.statusCode).toBe(400);
    expect(withId.json().message).toMatch(/id is the one in the path/);
    expect(api.fleet.regions()).toEqual([]);
  });

  it('DELETE is refused with the reason (409) while a child region or a site names it, then removes it', async () => {
    await tree();
    expect((await send('PUT', '/api/v1/sites/k-1', { name: '老王烧烤', region: 'ja' })).statusCode).toBe(201);
    const bySite = await send('DELETE', '/api/v1/regions/ja');
    expect(bySite.statusCode).toBe(409);
    expect(bySite.json().problems[0].message).toMatch(/1 site/);
    const byChild = await send('DELETE', '/api/v1/regions/wh');
    expect(byChild.statusCode).toBe(409);
    expect(byChild.json().problems[0].message).toMatch(/1 child region/);
    expect((await send('PUT', '/api/v1/sites/k-1', { name: '老王烧烤' })).statusCode).toBe(200);
    expect((await send('DELETE', '/api/v1/regions/ja')).statusCode).toBe(204);
    expect(api.fleet.regions().map((r) => r.id)).toEqual(['hb', 'wh']);
    expect((await send('DELETE', '/api/v1/regions/ja')).statusCode).toBe(404);
    expect(audited('region.remove').map((a) => a.target)).toEqual(['ja']);
  });

  it('only an admin whose scope is all edits the tree', async () => {
    await tree();
    const viewer = await send('PUT', '/api/v1/regions/hb', { name: '改名', level: 'province' }, { authorization: `Bearer ${FLEET_TOKENS.viewer}` });
    expect(viewer.statusCode).toBe(403);
    const county = new TokenStore(api.db, Date.now).create('county admin', 'admin', 'test', { kind: 'regions', regions: ['ja'] }).token;
    const scoped = await send('PUT', '/api/v1/regions/hb', { name: '改名', level: 'province' }, { authorization: `Bearer ${county}` });
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json().message).toMatch(/scope is all/);
    expect((await send('DELETE', '/api/v1/organisations/any', undefined, { authorization: `Bearer ${county}` })).statusCode).toBe(403);
    expect(api.fleet.regions().find((r) => r.id === 'hb')!.name).toBe('湖北省');
  });
});

describe('organisations', () => {
  it('PUT creates and renames, GET lists and reads one, DELETE is refused while a site names it', async () => {
    expect((await send('PUT', '/api/v1/organisations/whgas', { name: '武汉燃气' })).statusCode).toBe(201);
    expect((await send('PUT', '/api/v1/organisations/cngas', { name: '华润燃气' })).statusCode).toBe(201);
    const renamed = await send('PUT', '/api/v1/organisations/whgas', { name: '武汉市燃气集团' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().organisation).toEqual({ id: 'whgas', name: '武汉市燃气集团' });
    expect((await send('GET', '/api/v1/organisations')).json().organisations).toEqual([
      { id: 'cngas', name: '华润燃气' },
      { id: 'whgas', name: '武汉市燃气集团' },
    ]);
    expect((await send('GET', '/api/v1/organisations/whgas')).json().organisation.name).toBe('武汉市燃气集团');
    expect((await send('GET', '/api/v1/organisations/none')).statusCode).toBe(404);
    expect((await send('PUT', '/api/v1/organisations/bad', { name: '', extra: 1 })).statusCode).toBe(422);

    expect((await send('PUT', '/api/v1/sites/k-1', { name: '老王烧烤', org: 'whgas' })).statusCode).toBe(201);
    const inUse = await send('DELETE', '/api/v1/organisations/whgas');
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().problems[0].message).toMatch(/1 site/);
    expect((await send('DELETE', '/api/v1/organisations/cngas')).statusCode).toBe(204);
    expect((await send('DELETE', '/api/v1/organisations/cngas')).statusCode).toBe(404);
    expect(audited('organisation.put')).toHaveLength(3);
    expect(audited('organisation.remove').map((a) => a.target)).toEqual(['cngas']);
  });

  it('an organisation-scoped account sees its own organisation only', async () => {
    await send('PUT', '/api/v1/organisations/whgas', { name: '武汉燃气' });
    await send('PUT', '/api/v1/organisations/cngas', { name: '华润燃气' });
    const own = new TokenStore(api.db, Date.now).create('supplier desk', 'viewer', 'test', { kind: 'org', org: 'whgas' }).token;
    const auth = { authorization: `Bearer ${own}` };
    expect((await send('GET', '/api/v1/organisations', undefined, auth)).json().organisations.map((o: { id: string }) => o.id)).toEqual(['whgas']);
    expect((await send('GET', '/api/v1/organisations/cngas', undefined, auth)).statusCode).toBe(404);
    // A county's admin picks a site's organisation from the whole list; a county's viewer sees none.
    const countyAdmin = new TokenStore(api.db, Date.now).create('county admin', 'admin', 'test', { kind: 'regions', regions: ['x'] }).token;
    expect((await send('GET', '/api/v1/organisations', undefined, { authorization: `Bearer ${countyAdmin}` })).json().organisations).toHaveLength(2);
    const countyViewer = new TokenStore(api.db, Date.now).create('county viewer', 'viewer', 'test', { kind: 'regions', regions: ['x'] }).token;
    expect((await send('GET', '/api/v1/organisations', undefined, { authorization: `Bearer ${countyViewer}` })).json().organisations).toEqual([]);
  });
});

describe('registry export', () => {
  it('answers the registry as YAML, parents first, devices without their credentials', async () => {
    await tree();
    await send('PUT', '/api/v1/organisations/whgas', { name: '武汉燃气' });
    await send('PUT', '/api/v1/sites/k-1', { name: '老王烧烤', region: 'ja', org: 'whgas' });
    const added = await send('POST', '/api/v1/sites/k-1/devices', { id: 'gas-01', kind: 'detector', channels: { ch4: { quantity: 'methane_lel' } }, replaceBy: '2029-03-01' });
    expect(added.statusCode).toBe(201);
    const res = await send('GET', '/api/v1/registry/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/yaml/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatch(/credentials .* left out/);
    expect(res.body).not.toMatch(/loginKey:|passwordHash:|[0-9a-f]{64}/);
    const doc = parse(res.body) as { regions: { id: string }[]; organisations: unknown[]; sites: { id: string; region: string; devices: { id: string }[] }[] };
    expect(doc.regions.map((r) => r.id)).toEqual(['hb', 'wh', 'ja']);
    expect(doc.organisations).toEqual([{ id: 'whgas', name: '武汉燃气' }]);
    expect(doc.sites[0]).toMatchObject({ id: 'k-1', region: 'ja', org: 'whgas' });
    expect(doc.sites[0]!.devices.map((d) => d.id)).toEqual(['gas-01']);
    expect((await send('GET', '/api/v1/registry/export', undefined, { authorization: `Bearer ${FLEET_TOKENS.viewer}` })).statusCode).toBe(403);
  });
});
