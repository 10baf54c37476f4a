// `shaobing sites …` and `shaobing regions …` against a real API on a loopback port over a real
// state.db: files of sites and regions applied live (children before parents in the file still
// work), refusals printed one line per field with exit 1, removal refused with its reason, the tree
// listed, and the built command line wired to it.

import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fleetCommand } from '../../../dashboard-api/src/fleet-cli.js';
import { FLEET_TOKENS, startFleetApi, type FleetApi } from '../../support/fleet-api.js';
import { tempDir } from '../../support/tmp.js';

let api: FleetApi;
let work: ReturnType<typeof tempDir>;
beforeEach(async () => {
  api = await startFleetApi();
  work = tempDir();
});
afterEach(async () => {
  await api.close();
  work.remove();
});

async function run(kind: 'sites' | 'regions' | 'organisations', args: string[], env: NodeJS.ProcessEnv = { SHAOBING_TOKEN: FLEET_TOKENS.admin }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await fleetCommand(kind, args, () => api.url, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
  return { code, out, err };
}

function file(name: string, text: string): string {
  const path = join(work.path, name);
  writeFileSync(path, text);
  return path;
}

const REGIONS_YAML = `regions:
  - id: ja
    name: 江岸区
    level: county
    parent: wh
    officers: [李科长]
  - id: wh
    name: 武汉市
    level: city
    parent: hb
  - id: hb
    name: 湖北省
    level: province
`;

describe('shaobing regions', () => {
  it('put writes a file of regions parents first, whatever their order, and list prints the tree', async () => {
    const r = await run('regions', ['put', file('regions.yaml', REGIONS_YAML)]);
    expect(r.err).toEqual([]);
    expect(r.out).toEqual(['3 regions: 3 created, 0 changed']);
    expect(r.code).toBe(0);
    expect(api.fleet.regions().find((x) => x.id === 'ja')!.path).toBe('/hb/wh/ja/');

    api.fleet.putSite({ id: 'k-1', name: '老王烧烤', region: 'ja', devices: [] }, { actor: 'seed', atMs: Date.now() });
    const list = await run('regions', ['list']);
    expect(list.code).toBe(0);
    expect(list.out).toEqual([
      expect.stringMatching(/^hb {2}湖北省 \(province\) {2}1 sites$/),
      expect.stringMatching(/^ {2}wh {2}武汉市 \(city\) {2}1 sites$/),
      expect.stringMatching(/^ {4}ja {2}江岸区 \(county\) {2}1 sites {2}officers: 李科长$/),
    ]);
  });

  it('prints each refused field with its region and exits 1; the good ones are applied', async () => {
    const r = await run('regions', ['put', file('bad.json', JSON.stringify([{ id: 'hb', name: '湖北省', level: 'province' }, { id: 'x', name: '', level: 'village' }]))]);
    expect(r.code).toBe(1);
    expect(r.err).toEqual(expect.arrayContaining([expect.stringMatching(/^region x, field name: /), expect.stringMatching(/^region x, field level: /)]));
    expect(r.out).toEqual(['2 regions: 1 created, 0 changed, 1 refused']);
    expect(api.fleet.regions().map((x) => x.id)).toEqual(['hb']);
  });

  it('remove is refused with the reason while a child names the region', async () => {
    await run('regions', ['put', file('regions.yaml', REGIONS_YAML)]);
    const refused = await run('regions', ['remove', 'wh']);
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([expect.stringMatching(/^region wh, field id: region wh is still named by 1 child region/)]);
    const done = await run('regions', ['remove', 'ja']);
    expect(done).toMatchObject({ code: 0, out: ['region ja removed'] });
  });

  it('says what is missing: a token, a reachable gateway, a readable file', async () => {
    expect((await run('regions', ['list'], {})).err[0]).toMatch(/needs an admin API token/);
    const errs: string[] = [];
    const down = await fleetCommand('regions', ['list', '--api', 'http://127.0.0.1:9'], () => api.url, { out: () => {}, err: (l) => errs.push(l) }, { SHAOBING_TOKEN: 'x' });
    expect(down).toBe(1);
    expect(errs).toEqual([expect.stringMatching(/cannot reach the gateway at http:\/\/127\.0\.0\.1:9/)]);
    const missing = await run('regions', ['put', join(work.path, 'none.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toMatch(/cannot read/);
    expect((await run('regions', ['put', file('noid.yaml', 'name: x\n')])).err[0]).toMatch(/entry 1 has no id/);
  });
});

describe('shaobing sites', () => {
  it('put creates and changes sites from YAML; a site with devices is removed only with --with-devices', async () => {
    await run('regions', ['put', file('regions.yaml', REGIONS_YAML)]);
    const first = await run('sites', ['put', file('sites.yaml', 'id: k-1\nname: 老王烧烤\nregion: ja\ncontactPhone: "13800000000"\n')]);
    expect(first).toMatchObject({ code: 0, out: ['1 sites: 1 created, 0 changed'] });
    const second = await run('sites', ['put', file('sites2.yaml', 'sites:\n  - id: k-1\n    name: 老王烧烤（新店）\n    region: ja\n  - id: k-2\n    name: 二号店\n')]);
    expect(second).toMatchObject({ code: 0, out: ['2 sites: 1 created, 1 changed'] });
    expect(api.fleet.site('k-1')).toMatchObject({ name: '老王烧烤（新店）', region: 'ja' });

    const bad = await run('sites', ['put', file('bad.yaml', 'id: k-3\nname: 三号店\nregion: nowhere\n')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toEqual([expect.stringMatching(/^site k-3, field region: .*nowhere/)]);

    const post = await api.app.inject({ method: 'POST', url: '/api/v1/sites/k-1/devices', headers: { authorization: `Bearer ${FLEET_TOKENS.admin}` }, payload: { id: 'gas-01', kind: 'detector', channels: { ch4: { quantity: 'methane_lel' } } } });
    expect(post.statusCode).toBe(201);
    const kept = await run('sites', ['remove', 'k-1']);
    expect(kept.code).toBe(1);
    expect(kept.err[0]).toMatch(/^site k-1: refused \(409\): .*--?withDevices|with-?devices/i);
    expect(api.fleet.site('k-1')).toBeDefined();
    expect(await run('sites', ['remove', 'k-1', '--with-devices'])).toMatchObject({ code: 0, out: ['site k-1 removed'] });
    expect(api.fleet.site('k-1')).toBeUndefined();
  });

  it('the built command line runs sites put against the gateway', async () => {
    const cli = join(process.cwd(), 'dist/gateway/src/cli.js');
    if (!existsSync(cli)) {
      console.warn('skipped: dist/ not built (npm run build --silent first)');
      return;
    }
    const path = file('site.json', JSON.stringify({ id: 'k-9', name: '九号店' }));
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [cli, 'sites', 'put', path, '--api', api.url], { env: { ...process.env, SHAOBING_TOKEN: FLEET_TOKENS.admin } });
      let stdout = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.on('close', (c) => resolve({ code: c, stdout }));
    });
    expect(stdout.trim()).toBe('1 sites: 1 created, 0 changed');
    expect(code).toBe(0);
    expect(api.fleet.site('k-9')!.name).toBe('九号店');
  });
});

describe('shaobing organisations', () => {
  it('put, list and remove; removal refused with the reason while a site names it', async () => {
    const put = await run('organisations', ['put', file('orgs.yaml', 'organisations:\n  - { id: whgas, name: 武汉燃气 }\n  - { id: cngas, name: 华润燃气 }\n')]);
    expect(put).toMatchObject({ code: 0, out: ['2 organisations: 2 created, 0 changed'] });
    expect((await run('organisations', ['list'])).out).toEqual(['cngas  华润燃气', 'whgas  武汉燃气']);
    api.fleet.putSite({ id: 'k-1', name: '老王烧烤', org: 'whgas', devices: [] }, { actor: 'seed', atMs: Date.now() });
    const refused = await run('organisations', ['remove', 'whgas']);
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([expect.stringMatching(/^organisation whgas, field id: .*1 site/)]);
    expect(await run('organisations', ['remove', 'cngas'])).toMatchObject({ code: 0, out: ['organisation cngas removed'] });
    const bad = await run('organisations', ['put', file('bad.json', '{"id":"x","name":""}')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toEqual([expect.stringMatching(/^organisation x, field name: /)]);
  });
});
