// The live fleet over a real state.db in a temp dir: every write checked with the config schema,
// committed with its audit entry in one transaction, and told to listeners once, after the commit.

import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { RegistryStore } from '../../../gateway/src/registry/registry-store.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import type { SiteChange } from '../../../gateway/src/registry/fleet.js';
import { RegistryError } from '../../../gateway/src/errors.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { tempDir } from '../../support/tmp.js';
import { useLiveFleet } from '../../support/registry.js';

const HASH = 'scrypt$16384$8$1$DOcde8e+6nkfebyiVzEQdg==$G57hHYSijaqHyCr5B+WMq5+Hf2fdvQiRDlwBLrmV0kw=';
const by = { actor: 'admin-li', atMs: 1_700_000_000_000 };
const detector = (id: string, extra: Record<string, unknown> = {}) => ({ id, kind: 'detector' as const, passwordHash: HASH, channels: { ch4: { quantity: 'methane_lel' as const } }, ...extra });

let dir: ReturnType<typeof tempDir>;
let db: Db;
let store: RegistryStore;
let fleet: LiveFleet;
const auditCount = () => (db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;

useLiveFleet((t) => ({ dir, db, store, fleet } = t));

describe('LiveFleet writes', () => {
  it('keeps a site and its devices across a reopen, in the order they were given', () => {
    fleet.putRegion({ id: 'hubei', name: '湖北省', level: 'province' }, by);
    fleet.putRegion({ id: 'wuhan', name: '武汉市', level: 'city', parent: 'hubei' }, by);
    fleet.putOrganisation({ id: 'gas-co', name: '武汉燃气' }, by);
    fleet.putSite({ id: 'k-1', name: '老王烧烤', region: 'wuhan', org: 'gas-co', devices: [detector('z-gas'), detector('a-gas')] }, by);
    const again = new LiveFleet(new RegistryStore(db), silentLogger());
    expect(again.site('k-1')?.devices.map((d) => d.id)).toEqual(['z-gas', 'a-gas']);
    expect(again.site('k-1')?.region).toBe('wuhan');
    expect(again.regions().map((r) => [r.id, r.path])).toEqual([
      ['hubei', '/hubei/'],
      ['wuhan', '/hubei/wuhan/'],
    ]);
    expect(again.organisations()).toEqual([{ id: 'gas-co', name: '武汉燃气' }]);
    expect(Object.isFrozen(again.site('k-1'))).toBe(true);
  });

  it('calls each listener once per call, after the commit, with the whole site before and after', () => {
    fleet.putSite({ id: 'k-1', name: 'one', devices: [detector('gas-01')] }, by);
    // A second connection sees only what is committed: what the listener finds there was.
    const other = new Database(join(dir.path, 'state.db'), { readonly: true });
    const seen: { changes: readonly SiteChange[]; committed: number; inTransaction: boolean }[] = [];
    fleet.onChange((changes) =>
      seen.push({ changes, committed: (other.prepare("SELECT count(*) AS n FROM fleet_device WHERE site = 'k-1'").get() as { n: number }).n, inTransaction: db.inTransaction }),
    );
    fleet.putDevices([{ site: 'k-1', device: detector('gas-02') }, { site: 'k-1', device: detector('gas-03') }], by);
    expect(seen).toHaveLength(1);
    expect([seen[0]!.committed, seen[0]!.inTransaction]).toEqual([3, false]);
    const [change] = seen[0]!.changes;
    expect(change!.before?.devices.map((d) => d.id)).toEqual(['gas-01']);
    expect(change!.after?.devices.map((d) => d.id)).toEqual(['gas-01', 'gas-02', 'gas-03']);
    expect(Object.isFrozen(seen[0]!.changes)).toBe(true);
    fleet.removeSite('k-1', by);
    other.close();
    expect(seen[1]!.changes).toEqual([{ before: change!.after, after: undefined }]);
  });

  it('still tells the other listeners when one throws', () => {
    const told: string[] = [];
    fleet.onChange(() => {
      throw new Error('follower broke');
    });
    fleet.onChange((changes) => told.push(changes[0]!.after!.id));
    fleet.putSite({ id: 'k-2', name: 'two' }, by);
    expect(told).toEqual(['k-2']);
  });

  it('refuses a bad import naming every bad row and field, and writes nothing, not even an audit entry', () => {
    fleet.putSite({ id: 'k-1', name: 'one' }, by);
    const audits = auditCount();
    const rows = [
      { site: 'k-1', device: detector('gas-01') },
      { site: 'k-9', device: detector('gas-02') },
      { site: 'k-1', device: { id: 'gas-03', kind: 'detector' as const, channels: { ch4: { quantity: 'methane_lel' as const } } } },
      { site: 'k-1', device: detector('gas-04', { channels: { ch4: { quantity: 'nonsense' } } }) },
    ];
    let err: RegistryError | undefined;
    try {
      fleet.putDevices(rows as never, by);
    } catch (e) {
      err = e as RegistryError;
    }
    expect(err).toBeInstanceOf(RegistryError);
    expect(err!.problems.map((p) => [p.row, p.field])).toEqual([
      [1, 'site'],
      [2, 'device.passwordHash'],
      [3, 'device.channels.ch4.quantity'],
    ]);
    expect(fleet.site('k-1')!.devices).toEqual([]);
    expect((db.prepare('SELECT count(*) AS n FROM fleet_device').get() as { n: number }).n).toBe(0);
    expect(auditCount()).toBe(audits);
  });

  it('refuses a site naming a region or organisation that does not exist', () => {
    expect(() => fleet.putSite({ id: 'k-1', name: 'one', region: 'nowhere', org: 'nobody' }, by)).toThrow(/region: no region nowhere.*org: no organisation nobody/);
    expect(fleet.site('k-1')).toBeUndefined();
  });

  it('writes the audit entry in the same transaction as the rows: a failed write leaves neither', () => {
    fleet.putSite({ id: 'k-1', name: 'one' }, by);
    const audits = auditCount();
    // A trigger makes the device write fail after the checks passed: the audit entry must go too.
    db.exec(`CREATE TEMP TRIGGER refuse BEFORE INSERT ON fleet_device BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
    expect(() => fleet.putDevices([{ site: 'k-1', device: detector('gas-01') }], by)).toThrow(/disk says no/);
    expect(auditCount()).toBe(audits);
    expect(fleet.device('k-1', 'gas-01')).toBeUndefined();
  });

  it('audits what changed by field name, never a password hash or login key', () => {
    fleet.putSite({ id: 'k-1', name: 'one', devices: [detector('gas-01')] }, by);
    fleet.putDevices([{ site: 'k-1', device: detector('gas-01', { space: 'kitchen' }) }], by);
    const entry = db.prepare("SELECT action, target, detail FROM audit_log WHERE action = 'device.put'").get() as { action: string; target: string; detail: string };
    expect(entry.target).toBe('k-1/gas-01');
    expect(JSON.parse(entry.detail)).toEqual({ created: false, fields: ['space'] });
    const all = (db.prepare('SELECT detail FROM audit_log').all() as { detail: string }[]).map((r) => r.detail).join('\n');
    expect(all).not.toContain('scrypt$');
  });

  it('writes nothing and tells nobody when a put changes nothing', () => {
    fleet.putSite({ id: 'k-1', name: 'one', devices: [detector('gas-01')] }, by);
    const audits = auditCount();
    let told = 0;
    fleet.onChange(() => told++);
    fleet.putSite({ id: 'k-1', name: 'one', devices: [detector('gas-01')] }, by);
    fleet.putDevices([{ site: 'k-1', device: detector('gas-01') }], by);
    expect([told, auditCount()]).toEqual([0, audits]);
  });
});

describe('LiveFleet regions', () => {
  it('moves a subtree with its region and refuses a cycle or a missing parent', () => {
    fleet.putRegion({ id: 'hubei', name: '湖北省', level: 'province' }, by);
    fleet.putRegion({ id: 'hunan', name: '湖南省', level: 'province' }, by);
    fleet.putRegion({ id: 'wuhan', name: '武汉市', level: 'city', parent: 'hubei' }, by);
    fleet.putRegion({ id: 'jiangan', name: '江岸区', level: 'county', parent: 'wuhan' }, by);
    fleet.putRegion({ id: 'wuhan', name: '武汉市', level: 'city', parent: 'hunan' }, by);
    expect(fleet.regions().find((r) => r.id === 'jiangan')?.path).toBe('/hunan/wuhan/jiangan/');
    expect(() => fleet.putRegion({ id: 'wuhan', name: '武汉市', level: 'city', parent: 'jiangan' }, by)).toThrow(/parent: region jiangan lies under wuhan/);
    expect(() => fleet.putRegion({ id: 'x', name: 'x', level: 'grid', parent: 'missing' }, by)).toThrow(/parent: no region missing/);
  });

  it('refuses to remove a region while a site or a child region names it (conflict)', () => {
    fleet.putRegion({ id: 'hubei', name: '湖北省', level: 'province' }, by);
    fleet.putRegion({ id: 'wuhan', name: '武汉市', level: 'city', parent: 'hubei' }, by);
    fleet.putSite({ id: 'k-1', name: 'one', region: 'wuhan' }, by);
    const refused = (() => {
      try {
        fleet.removeRegion('wuhan', by);
      } catch (e) {
        return e as RegistryError;
      }
    })();
    expect(refused?.conflict).toBe(true);
    expect(refused?.message).toMatch(/1 site/);
    expect(() => fleet.removeRegion('hubei', by)).toThrow(/1 child region/);
    fleet.removeSite('k-1', by);
    expect(fleet.removeRegion('wuhan', by)).toBe(true);
    expect(fleet.regions().map((r) => r.id)).toEqual(['hubei']);
  });
});

describe('LiveFleet at fleet size', () => {
  it('imports 10 000 devices in one call', () => {
    for (let s = 0; s < 100; s++) fleet.putSite({ id: `k-${s}`, name: `kitchen ${s}` }, by);
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ site: `k-${i % 100}`, device: detector(`gas-${i}`, { replaceBy: '2029-01-01' }) }));
    let calls = 0;
    fleet.onChange((changes) => {
      calls++;
      expect(changes).toHaveLength(100);
    });
    const t0 = performance.now();
    fleet.putDevices(rows, by);
    const ms = performance.now() - t0;
    console.log(`putDevices: 10 000 devices in one call took ${ms.toFixed(0)} ms`);
    expect(calls).toBe(1);
    expect(new LiveFleet(new RegistryStore(db), silentLogger()).sites().reduce((n, s) => n + s.devices.length, 0)).toBe(10_000);
  });
});
