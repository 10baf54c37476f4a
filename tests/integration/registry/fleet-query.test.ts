// The page's read model of the fleet over a real state.db: the region tree's rolled-up counts, one
// page of sites in the officer's order (in alarm first), by region subtree, text and level, with
// keyset paging that neither repeats nor skips a site.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { FleetQuery, UnknownRegion } from '../../../gateway/src/registry/fleet-query.js';
import { ALL_SCOPE } from '../../../gateway/src/contract/scope.js';
import { seedFleet, type SeededFleet } from '../../support/fleet-seed.js';
import { tempDir } from '../../support/tmp.js';

const NOW = Date.parse('2026-12-08T00:00:00Z');
const RANK = { red: 4, orange: 3, yellow: 2, blue: 1 } as const;

describe('FleetQuery over a seeded fleet of 2 000 sites', () => {
  const dir = tempDir();
  let db: Database.Database;
  let fleet: SeededFleet;
  let q: FleetQuery;

  beforeAll(() => {
    db = openStateDb(dir.path);
    q = new FleetQuery(db);
    fleet = seedFleet(db, 2000, NOW);
  });
  afterAll(() => {
    db.close();
    dir.remove();
  });

  it('rolls site counts and active alarms up the region tree', () => {
    const regions = q.regions(ALL_SCOPE);
    expect(regions).toHaveLength(fleet.regions.length);
    const root = regions.find((r) => r.id === 'hb')!;
    expect(root.siteCount).toBe(2000);
    expect(root.active.red).toBe(fleet.sites.filter((s) => s.level === 'red').length);
    const county = regions.find((r) => r.id === 'c1k2')!;
    const inCounty = fleet.sites.filter((s) => s.region.startsWith('c1k2t'));
    expect(county.siteCount).toBe(inCounty.length);
    expect(county.active.orange).toBe(inCounty.filter((s) => s.level === 'orange').length);
  });

  it('pages every site exactly once, in alarm first, red before blue', () => {
    const seen: string[] = [];
    const ranks: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = q.sites({ limit: 150, cursor }, ALL_SCOPE);
      expect(page.total).toBe(2000);
      seen.push(...page.items.map((s) => s.id));
      ranks.push(...page.items.map((s) => (s.worstLevel ? RANK[s.worstLevel] : 0)));
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(14);
    expect(new Set(seen).size).toBe(2000);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    expect(ranks[0]).toBe(4);
  });

  it('limits to a county subtree', () => {
    const page = q.sites({ region: 'c2k4', limit: 500 }, ALL_SCOPE);
    const expected = fleet.sites.filter((s) => s.region.startsWith('c2k4t')).map((s) => s.id).sort();
    expect(page.items.map((s) => s.id).sort()).toEqual(expected);
    expect(page.total).toBe(expected.length);
    expect(page.items.every((s) => s.regionName?.startsWith('汉阳') || s.regionName !== null)).toBe(true);
  });

  it('finds 烧烤 in a name and in an address, and nothing else', () => {
    const page = q.sites({ q: '烧烤', limit: 50 }, ALL_SCOPE);
    expect(page.items.map((s) => s.id).sort()).toEqual([fleet.bbqByName.id, fleet.bbqByAddress.id].sort());
  });

  it('filters by worst level, none being the sites without an active alarm', () => {
    const red = q.sites({ level: 'red', limit: 500 }, ALL_SCOPE);
    expect(red.total).toBe(fleet.sites.filter((s) => s.level === 'red').length);
    expect(red.items.every((s) => s.worstLevel === 'red' && s.activeAlarms === 1)).toBe(true);
    const none = q.sites({ level: 'none', limit: 1 }, ALL_SCOPE);
    expect(none.total).toBe(fleet.sites.filter((s) => s.level === null).length);
  });

  it('keeps a region scope: sites outside are not counted, a region outside does not exist', () => {
    const scope = { kind: 'regions', regions: ['c3'] } as const;
    expect(q.sites({ limit: 1 }, scope).total).toBe(fleet.sites.filter((s) => s.region.startsWith('c3k')).length);
    expect(() => q.sites({ region: 'c0k0', limit: 1 }, scope)).toThrow(UnknownRegion);
    expect(q.regions(scope).some((r) => r.id === 'c0')).toBe(false);
  });

  it('refuses a cursor it did not hand out', () => {
    expect(() => q.sites({ limit: 5, cursor: 'bm90LWEtY3Vyc29y' }, ALL_SCOPE)).toThrow(/cursor/);
  });
});
