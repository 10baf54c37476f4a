// Many sites in one call (an import): all or nothing, every bad row named, one audit entry and
// one onChange call; an actuator may obey a site of the same call. Real state.db in a temp dir.

import { describe, expect, it } from 'vitest';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import type { SiteChange } from '../../../gateway/src/registry/fleet.js';
import { RegistryError } from '../../../gateway/src/errors.js';
import { useLiveFleet } from '../../support/registry.js';

const HASH = 'scrypt$16384$8$1$DOcde8e+6nkfebyiVzEQdg==$G57hHYSijaqHyCr5B+WMq5+Hf2fdvQiRDlwBLrmV0kw=';
const by = { actor: 'admin-li', atMs: 1_700_000_000_000 };

let db: Db;
let fleet: LiveFleet;
const audit = () => db.prepare('SELECT action, target, detail FROM audit_log ORDER BY id').all() as { action: string; target: string; detail: string }[];

useLiveFleet((t) => ({ db, fleet } = t));

describe('putSites', () => {
  it('writes every site in one transaction, one audit entry and one onChange call', () => {
    const told: SiteChange[][] = [];
    fleet.onChange((c) => told.push([...c]));
    fleet.putSites(
      [
        { id: 'k-1', name: 'one' },
        // The building's main valve obeys both kitchens, the other one made in this same call.
        { id: 'k-2', name: 'two', devices: [{ id: 'valve-main', kind: 'valve', passwordHash: HASH, obeys: ['k-1'] }] },
      ],
      by,
    );
    expect(told).toHaveLength(1);
    expect(told[0]!.map((c) => [c.before, c.after?.id])).toEqual([
      [undefined, 'k-1'],
      [undefined, 'k-2'],
    ]);
    expect(audit().map((a) => [a.action, a.target, JSON.parse(a.detail)])).toEqual([['sites.import', 'fleet', { rows: 2, written: 2, created: 2, devicesWritten: 1 }]]);
    expect(fleet.sites().map((s) => s.id)).toEqual(['k-1', 'k-2']);
  });

  it('refuses the whole call naming each bad row and field, and writes nothing', () => {
    let err: RegistryError | undefined;
    try {
      fleet.putSites(
        [
          { id: 'k-1', name: 'one' },
          { id: 'k-2', name: '' },
          { id: 'k-1', name: 'again' },
          { id: 'k-3', name: 'three', region: 'nowhere' },
          { id: 'k-4', name: 'four', devices: [{ id: 'valve-01', kind: 'valve', passwordHash: HASH, obeys: ['k-99'] }] },
        ],
        by,
      );
    } catch (e) {
      err = e as RegistryError;
    }
    expect(err).toBeInstanceOf(RegistryError);
    expect(err!.problems.map((p) => [p.row, p.field])).toEqual([
      [1, 'name'],
      [2, 'id'],
      [3, 'region'],
      [4, 'devices.0.obeys.0'],
    ]);
    expect(fleet.sites()).toEqual([]);
    expect(audit()).toEqual([]);
  });
});
