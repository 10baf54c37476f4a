// Devices due for replacement (CJJ/T 146-2011 service lives), read within a scope in the query
// itself and paged by (replaceBy, site, device). Real state.db in a temp dir.

import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import type { DuePage } from '../../../gateway/src/registry/fleet.js';
import { useLiveFleet } from '../../support/registry.js';

const HASH = 'scrypt$16384$8$1$DOcde8e+6nkfebyiVzEQdg==$G57hHYSijaqHyCr5B+WMq5+Hf2fdvQiRDlwBLrmV0kw=';
const by = { actor: 'admin-li', atMs: 1_700_000_000_000 };
const detector = (id: string, replaceBy?: string) => ({ id, kind: 'detector' as const, passwordHash: HASH, channels: { ch4: { quantity: 'methane_lel' as const } }, ...(replaceBy ? { replaceBy } : {}) });
const names = (page: DuePage) => page.items.map((d) => `${d.site}/${d.device.id}@${d.replaceBy}`);

let db: Db;
let fleet: LiveFleet;

useLiveFleet((t) => ({ db, fleet } = t));
beforeEach(() => {
  fleet.putRegion({ id: 'wuhan', name: '武汉市', level: 'city' }, by);
  fleet.putRegion({ id: 'jiangan', name: '江岸区', level: 'county', parent: 'wuhan' }, by);
  fleet.putRegion({ id: 'hankou', name: '汉口', level: 'county' }, by);
  fleet.putOrganisation({ id: 'gas-co', name: '武汉燃气' }, by);
  fleet.putSite({ id: 'a', name: 'A', region: 'jiangan', org: 'gas-co', devices: [detector('g1', '2026-01-10'), detector('g2', '2026-03-01'), detector('g3')] }, by);
  fleet.putSite({ id: 'b', name: 'B', region: 'hankou', devices: [detector('g1', '2026-01-10'), detector('g2', '2025-12-31')] }, by);
});

describe('dueForReplacement', () => {
  it('lists devices due on or before the day, oldest first, none without a replace-by day', () => {
    expect(names(fleet.dueForReplacement('2026-01-31', { kind: 'all' }))).toEqual(['b/g2@2025-12-31', 'a/g1@2026-01-10', 'b/g1@2026-01-10']);
  });

  it('keeps to the scope: a region subtree, an organisation, one site', () => {
    expect(names(fleet.dueForReplacement('2026-12-31', { kind: 'regions', regions: ['wuhan'] }))).toEqual(['a/g1@2026-01-10', 'a/g2@2026-03-01']);
    expect(names(fleet.dueForReplacement('2026-12-31', { kind: 'org', org: 'gas-co' }))).toEqual(['a/g1@2026-01-10', 'a/g2@2026-03-01']);
    expect(names(fleet.dueForReplacement('2026-12-31', { kind: 'site', site: 'b' }))).toEqual(['b/g2@2025-12-31', 'b/g1@2026-01-10']);
  });

  it('pages by (replaceBy, site, device) without losing or repeating a device', () => {
    const seen: string[] = [];
    let page = fleet.dueForReplacement('2026-12-31', { kind: 'all' }, { limit: 2 });
    seen.push(...names(page));
    while (page.next) {
      page = fleet.dueForReplacement('2026-12-31', { kind: 'all' }, { limit: 2, after: page.next });
      seen.push(...names(page));
    }
    expect(seen).toEqual(['b/g2@2025-12-31', 'a/g1@2026-01-10', 'b/g1@2026-01-10', 'a/g2@2026-03-01']);
  });

  it('follows a device whose replace-by day is changed or removed', () => {
    fleet.putDevices([{ site: 'b', device: detector('g2') }], by);
    expect(names(fleet.dueForReplacement('2026-01-31', { kind: 'site', site: 'b' }))).toEqual(['b/g1@2026-01-10']);
  });

  it('refuses a day that is not YYYY-MM-DD', () => {
    expect(() => fleet.dueForReplacement('31/01/2026', { kind: 'all' })).toThrow(/onOrBefore: a date as YYYY-MM-DD/);
  });
});
