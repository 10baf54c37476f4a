// The config file applied to the registry (real state.db in a temp dir): idempotent, the file wins
// over registry edits of its own records, removes only its own records, never the registry's; and
// the registry exported as YAML loads as a config and applies back to the same registry.

import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema, type Config, type ConfigInput } from '../../../gateway/src/config/schema.js';
import { demoConfig } from '../../../gateway/src/config/demo.js';
import { loadConfig } from '../../../gateway/src/config/load.js';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { readRegistry, RegistryStore } from '../../../gateway/src/registry/registry-store.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import { applyConfig } from '../../../gateway/src/registry/apply-config.js';
import { exportYaml } from '../../../gateway/src/registry/export-yaml.js';
import type { SiteChange } from '../../../gateway/src/registry/fleet.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { tempDir } from '../../support/tmp.js';
import { useLiveFleet } from '../../support/registry.js';

const HASH = 'scrypt$16384$8$1$DOcde8e+6nkfebyiVzEQdg==$G57hHYSijaqHyCr5B+WMq5+Hf2fdvQiRDlwBLrmV0kw=';
const file = { actor: 'config', atMs: 1_700_000_000_000 };
const api = { actor: 'admin-li', atMs: 1_700_000_100_000 };

/** The demo kitchen in a county, with a second kitchen; `patch` edits the input. */
function fileConfig(patch: (c: ConfigInput) => void = () => {}): Config {
  const input = demoConfig();
  input.regions = [
    { id: 'hubei', name: '湖北省', level: 'province' },
    { id: 'wuhan', name: '武汉市', level: 'city', parent: 'hubei', officers: ['王科长'] },
  ];
  input.organisations = [{ id: 'gas-co', name: '武汉燃气' }];
  input.sites[0] = { ...input.sites[0]!, region: 'wuhan', org: 'gas-co', location: { lat: 30.59, lon: 114.3 } };
  input.sites.push({ id: 'kitchen-02', name: '二号后厨', region: 'wuhan', devices: [{ id: 'gas-01', kind: 'detector', passwordHash: HASH, channels: { ch4: { quantity: 'methane_lel' } }, replaceBy: '2027-06-30' }] });
  patch(input);
  return configSchema.parse(input);
}

let dir: ReturnType<typeof tempDir>;
let db: Db;
let fleet: LiveFleet;
const audits = () => (db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;

useLiveFleet((t) => ({ dir, db, fleet } = t));

describe('applyConfig', () => {
  it('applies the file once; the same file again writes nothing, tells nobody and audits nothing', () => {
    const first = applyConfig(fleet, fileConfig(), file);
    expect(first.writes).toBeGreaterThan(0);
    expect(fleet.sites().map((s) => s.id)).toEqual(['kitchen-01', 'kitchen-02']);
    expect(fleet.site('kitchen-01')?.devices.map((d) => d.id)).toEqual(['gas-01', 'valve-01', 'fan-01']);
    const entries = audits();
    const told: SiteChange[][] = [];
    fleet.onChange((c) => told.push([...c]));
    expect(applyConfig(fleet, fileConfig(), file)).toEqual({ writes: 0, kept: [] });
    // And after a restart, over the same file.
    const reopened = new LiveFleet(new RegistryStore(db), silentLogger());
    expect(applyConfig(reopened, fileConfig(), file).writes).toBe(0);
    expect(told).toEqual([]);
    expect(audits()).toBe(entries);
  });

  it('wins over a registry edit of a record it holds, and keeps what the registry made', () => {
    applyConfig(fleet, fileConfig(), file);
    fleet.putSite({ id: 'kitchen-01', name: '改名 renamed by the API', region: 'wuhan' }, api);
    fleet.putDevices([{ site: 'kitchen-01', device: { id: 'gas-09', kind: 'detector', passwordHash: HASH, channels: { co: { quantity: 'co_ppm' } } } }], api);
    fleet.putSite({ id: 'kitchen-77', name: 'made by the API', region: 'wuhan', devices: [] }, api);
    fleet.putRegion({ id: 'jiangan', name: '江岸区', level: 'county', parent: 'wuhan' }, api);

    const told: SiteChange[][] = [];
    fleet.onChange((c) => told.push([...c]));
    applyConfig(fleet, fileConfig(), file);
    expect(told).toHaveLength(1);
    expect(told[0]!.map((c) => c.after?.id)).toEqual(['kitchen-01']);
    const k1 = fleet.site('kitchen-01')!;
    expect(k1.name).toBe('示范餐馆后厨 (demo restaurant kitchen)');
    expect(k1.org).toBe('gas-co');
    // The device the API added to the file's site stays, after the file's own devices.
    expect(k1.devices.map((d) => d.id)).toEqual(['gas-01', 'valve-01', 'fan-01', 'gas-09']);
    expect(fleet.site('kitchen-77')).toBeDefined();
    expect(fleet.regions().map((r) => r.id)).toContain('jiangan');
  });

  it('removes only the records it made when the file drops them, and keeps a region registry sites still name', () => {
    applyConfig(fleet, fileConfig(), file);
    fleet.putSite({ id: 'kitchen-77', name: 'made by the API', region: 'wuhan', devices: [] }, api);

    const smaller = fileConfig((c) => {
      c.sites = c.sites.filter((s) => s.id !== 'kitchen-02').map((s) => ({ ...s, region: undefined, org: undefined, devices: s.devices.filter((d) => d.id !== 'fan-01') }));
      c.regions = [];
      c.organisations = [];
    });
    const result = applyConfig(fleet, smaller, file);
    expect(fleet.sites().map((s) => s.id)).toEqual(['kitchen-01', 'kitchen-77']);
    expect(fleet.site('kitchen-01')?.devices.map((d) => d.id)).toEqual(['gas-01', 'valve-01']);
    // wuhan is named by the API's kitchen-77, and hubei is wuhan's parent: both kept and said.
    expect([...result.kept].sort()).toEqual(['region:hubei', 'region:wuhan']);
    expect(fleet.regions().map((r) => r.id)).toEqual(['hubei', 'wuhan']);
    expect(fleet.organisations()).toEqual([]);
    // Kept records are not retried as writes: the next apply is a no-op.
    expect(applyConfig(fleet, smaller, file).writes).toBe(0);
  });

  it('keeps a site the file dropped while it holds devices the API added, handing it to the registry', () => {
    applyConfig(fleet, fileConfig(), file);
    fleet.putDevices([{ site: 'kitchen-02', device: { id: 'gas-09', kind: 'detector', passwordHash: HASH, channels: { co: { quantity: 'co_ppm' } } } }], api);
    const withoutK2 = fileConfig((c) => {
      c.sites = c.sites.filter((s) => s.id !== 'kitchen-02');
    });
    const told: SiteChange[][] = [];
    fleet.onChange((c) => told.push([...c]));
    expect(applyConfig(fleet, withoutK2, file).kept).toEqual(['site:kitchen-02']);
    // The file's detector went; the API's stays watched.
    expect(fleet.site('kitchen-02')?.devices.map((d) => d.id)).toEqual(['gas-09']);
    expect(told.map((c) => c.map((x) => [x.before?.devices.length, x.after?.devices.length]))).toEqual([[[2, 1]]]);
    expect(fleet.sourced().sites.find((s) => s.body.id === 'kitchen-02')?.source).toBe('registry');
    // Now the registry's: the next apply leaves it alone, and removing it is the API's to do.
    expect(applyConfig(fleet, withoutK2, file)).toEqual({ writes: 0, kept: [] });
  });

  it('writes one config.apply audit entry naming counts and sites, never a password hash', () => {
    const before = audits();
    applyConfig(fleet, fileConfig(), file);
    expect(audits()).toBe(before + 1);
    const row = db.prepare("SELECT actor, action, detail FROM audit_log ORDER BY id DESC LIMIT 1").get() as { actor: string; action: string; detail: string };
    expect(row.actor).toBe('config');
    expect(row.action).toBe('config.apply');
    const detail = JSON.parse(row.detail) as Record<string, unknown>;
    expect(detail).toMatchObject({ regionsPut: 2, organisationsPut: 1, sitesPut: 2, devicesPut: 4, sites: ['kitchen-01', 'kitchen-02'] });
    expect(row.detail).not.toContain('scrypt$');
  });
});

describe('registry export', () => {
  it('round-trips: the exported YAML loads as a config and applies back to the same registry', () => {
    applyConfig(fleet, fileConfig(), file);
    fleet.putSite({ id: 'kitchen-77', name: 'made by the API', region: 'wuhan', contactPhone: '13800000000', devices: [] }, api);
    fleet.putDevices([{ site: 'kitchen-77', device: { id: 'valve-01', kind: 'valve', auth: 'signed', loginKey: 'a'.repeat(64), obeys: ['kitchen-01'], installedOn: '2025-01-02' } }], api);

    const yaml = exportYaml({ regions: fleet.regions(), organisations: fleet.organisations(), sites: fleet.sites() }, '2026-01-01T00:00:00.000Z');
    expect(yaml).not.toMatch(/&a\d|\*a\d/); // no YAML anchors for shared channel objects
    const path = join(dir.path, 'exported.yaml');
    writeFileSync(path, yaml);
    const loaded = loadConfig({ file: path, env: {}, demo: demoConfig }).config;

    // Into a fresh registry: the same sites, devices, regions and organisations.
    const other = tempDir();
    const otherDb = openStateDb(other.path);
    try {
      const copy = new LiveFleet(new RegistryStore(otherDb), silentLogger());
      applyConfig(copy, loaded, file);
      expect(copy.sites()).toEqual(fleet.sites());
      expect(copy.regions().map(({ source: _s, ...r }) => r)).toEqual(fleet.regions().map(({ source: _s, ...r }) => r));
      expect(copy.organisations()).toEqual(fleet.organisations());
    } finally {
      otherDb.close();
      other.remove();
    }
    // And back onto the registry it came from: the records it holds, nothing written.
    const regionsBefore = readRegistry(db).regions;
    applyConfig(fleet, loaded, file);
    expect(fleet.sites()).toEqual(loaded.sites);
    expect(readRegistry(db).regions.map((r) => r.path)).toEqual(regionsBefore.map((r) => r.path));
    expect(applyConfig(fleet, loaded, file).writes).toBe(0);
  });
});
