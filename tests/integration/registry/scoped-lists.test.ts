// The gateway's lists with a caller's scope in their own SQL, over a real state.db of a started
// gateway: 4 000 alarms across two counties, 250 sites. A county officer's alarm pages walk only
// his county's alarms (the page is full even when the newest alarms of the fleet are all the
// other county's: nothing is read first and filtered after), the site list pages, counts and
// searches (Chinese) within the scope, and the region tree counts over subtrees.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { Scope } from '../../../gateway/src/contract/scope.js';
import { AlarmListQuery } from '../../../gateway/src/alarms/alarm-list-query.js';
import { ExportSourceQuery } from '../../../gateway/src/export/export-source-query.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { startTestGateway, testConfig } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';
import { REGION_A, REGION_B, SITE_A, SITE_B, seedFleet, twoCounties } from '../../support/regions.js';

const A: Scope = { kind: 'regions', regions: [REGION_A] };
const B: Scope = { kind: 'regions', regions: [REGION_B] };
const N = 4000;
const LEVELS = ['blue', 'yellow', 'orange', 'red'] as const;
const STATES = ['active_unacked', 'active_acked', 'cleared_unacked', 'cleared', 'closed'] as const;

interface Row { id: string; site: string; level: string; state: string; raisedAtMs: number }

describe('lists scoped in their SQL', () => {
  const dir = tempDir();
  let g: Awaited<ReturnType<typeof startTestGateway>>;
  const rows: Row[] = [];
  // 120 more sites in A (江汉 kitchens), 128 in B, for the site list's pages.
  const extra = Array.from({ length: 248 }, (_, i) => ({
    id: `r-${String(i).padStart(3, '0')}`,
    name: i % 2 === 0 && i < 240 ? `江汉小吃${i}号` : `武昌面馆${i}号`,
    address: i % 2 === 0 && i < 240 ? `江汉区路${i}号` : `武昌区街${i}号`,
    region: i % 2 === 0 && i < 240 ? 'town-a1' : REGION_B,
  }));
  const sitesOf = (scope: Scope) => [SITE_A, SITE_B, ...extra.map((s) => s.id)].filter((id) => {
    const region = id === SITE_A ? 'town-a1' : id === SITE_B ? REGION_B : extra.find((s) => s.id === id)!.region;
    return scope === A ? region !== REGION_B : region === REGION_B;
  });

  beforeAll(async () => {
    const config = testConfig(dir.path, twoCounties);
    g = await startTestGateway(config);
    seedFleet(g.stateDb, config, extra);
    const db = new Database(join(dir.path, 'state.db'));
    const insert = db.prepare(
      `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms)
       VALUES (@id, @site, 'gas-01', 'ch4', 'methane_lel', 'kitchen-methane', @level, @level, 12, 30, @state, @raisedAtMs, @raisedAtMs)`,
    );
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), Math.floor((seed / 2 ** 31) * n));
    db.transaction(() => {
      for (let i = 0; i < N; i++) {
        // The newest 500 alarms of the fleet are all county B's: a list that read the newest and
        // then dropped B's would hand A's officer empty pages.
        const site = i >= N - 500 ? SITE_B : [SITE_A, SITE_B, 'r-000', 'r-001'][next(4)]!;
        const row: Row = { id: `s-${String(i).padStart(5, '0')}`, site, level: LEVELS[next(4)]!, state: STATES[next(5)]!, raisedAtMs: 1_765_000_000_000 + i * 1000 - (i % 3) * 1000 };
        insert.run(row);
        rows.push(row);
      }
    })();
    db.close();
  }, 60_000);

  afterAll(async () => {
    await g?.stop();
    dir.remove();
  });

  function allPages(scope: Scope, sort: 'time' | 'priority', limit: number): { ids: string[]; pages: number; sizes: number[] } {
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = g.alarmList.page({ scope, sort, limit, ...(cursor ? { cursor } : {}) });
      ids.push(...page.alarms.map((a) => a.id));
      sizes.push(page.alarms.length);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { ids, pages: sizes.length, sizes };
  }

  it("pages every alarm of county A once, in order, and none of B's, in both sorts", () => {
    const inA = new Set(sitesOf(A));
    const expected = rows.filter((r) => inA.has(r.site)).sort((x, y) => y.raisedAtMs - x.raisedAtMs || (x.id < y.id ? -1 : 1)).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(1000);
    const byTime = allPages(A, 'time', 100);
    expect(byTime.ids).toEqual(expected);
    // Every page but the last is full: the scope was in the query, not applied to a page after.
    expect(byTime.sizes.slice(0, -1).every((n) => n === 100)).toBe(true);
    const byPriority = allPages(A, 'priority', 250);
    expect(new Set(byPriority.ids)).toEqual(new Set(expected));
    expect(byPriority.ids).toHaveLength(expected.length);
    const ofB = allPages(B, 'time', 500).ids;
    expect(ofB.length + expected.length).toBe(N);
  });

  it("a county officer's first page holds his alarms though the fleet's newest 500 are the other county's", () => {
    const page = g.alarmList.page({ scope: A, sort: 'time', limit: 50 });
    expect(page.alarms).toHaveLength(50);
    expect(page.alarms.every((a) => a.site !== SITE_B && !a.site.startsWith('r-001'))).toBe(true);
  });

  it('puts the scope into the SQL that SQLite plans (the registry tables are in the plan)', () => {
    const prepared: string[] = [];
    const db = new Database(join(dir.path, 'state.db'));
    try {
      // The real connection, with each statement's text noted on its way to SQLite.
      const spy = new Proxy(db, { get: (t, k) => (k === 'prepare' ? (sql: string) => (prepared.push(sql), t.prepare(sql)) : Reflect.get(t, k, t)) }) as unknown as Db;
      const list = new AlarmListQuery(spy);
      prepared.length = 0;
      const params = { limit: 11, scope0: REGION_A };
      list.page({ scope: A, sort: 'time', limit: 10 });
      const sql = prepared.find((s) => s.startsWith('SELECT') && s.includes('FROM alarm'))!;
      expect(sql).toMatch(/fleet_site/);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((p) => p.detail).join('\n');
      expect(plan).toMatch(/fleet_site|region/);
      // Walked in the page's order and stopped at a full page: no sort of the county's alarms per page.
      expect(plan).toMatch(/SCAN alarm USING INDEX api_alarm_by_time/);
      expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      // Nothing of B is read into the process: the statement returns A's rows only.
      const got = db.prepare(sql).all(params) as { site: string }[];
      expect(got).toHaveLength(11);
      expect(got.some((r) => r.site === SITE_B)).toBe(false);
    } finally {
      db.close();
    }
  });

  it('exports only the scope: every alarm of A, a page at a time, none of B', async () => {
    const source = new ExportSourceQuery(g.stateDb, 300);
    const sites = new Set<string>();
    let n = 0;
    for await (const page of source.alarms({ scope: A })) for (const r of page) (sites.add(String(r.site)), n++);
    expect(sites.has(SITE_B)).toBe(false);
    expect(n).toBe(rows.filter((r) => sitesOf(A).includes(r.site)).length);
  });

  it('pages the sites of a county worst first, with a total, and finds them by Chinese name or address', () => {
    const ids: string[] = [];
    let cursor: string | undefined;
    let total = -1;
    do {
      const page = g.fleetBrowser.page({ scope: A, limit: 17, ...(cursor ? { cursor } : {}) });
      ids.push(...page.sites.map((s) => s.id));
      total = page.total;
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(new Set(ids)).toEqual(new Set(sitesOf(A)));
    expect(ids).toHaveLength(sitesOf(A).length);
    expect(total).toBe(sitesOf(A).length);

    const wuchang = g.fleetBrowser.page({ scope: { kind: 'all' }, q: '武昌老火锅', limit: 10 });
    expect(wuchang.sites.map((s) => s.id)).toEqual([SITE_B]);
    expect(wuchang.sites[0]).toMatchObject({ name: '武昌老火锅后厨', address: '武汉市武昌区中山路100号', region: REGION_B, regionName: '武昌区', contact: '张师傅', contactPhone: '027-8888-0000' });
    // By address, and within A's scope B's kitchen is not found at all.
    expect(g.fleetBrowser.page({ scope: { kind: 'all' }, q: '中山路', limit: 10 }).sites.map((s) => s.id)).toEqual([SITE_B]);
    expect(g.fleetBrowser.page({ scope: A, q: '武昌老火锅', limit: 10 })).toMatchObject({ sites: [], total: 0 });
    const jianghan = g.fleetBrowser.page({ scope: A, q: '江汉小吃', limit: 1000 });
    expect(jianghan.total).toBe(120);
    // '%' is a character in the search box, not a wildcard.
    expect(g.fleetBrowser.page({ scope: { kind: 'all' }, q: '%', limit: 10 }).total).toBe(0);
  });

  it('filters sites by region subtree and by worst active level', () => {
    const town = g.fleetBrowser.page({ scope: { kind: 'all' }, region: REGION_A, limit: 1000 });
    expect(new Set(town.sites.map((s) => s.id))).toEqual(new Set(sitesOf(A)));
    const active = (site: string) => rows.filter((r) => r.site === site && r.state.startsWith('active'));
    const worst = (site: string) => LEVELS[Math.max(-1, ...active(site).map((r) => LEVELS.indexOf(r.level as (typeof LEVELS)[number])))] ?? null;
    const red = g.fleetBrowser.page({ scope: { kind: 'all' }, level: 'red', limit: 1000 });
    expect(new Set(red.sites.map((s) => s.id))).toEqual(new Set([SITE_A, SITE_B, 'r-000', 'r-001'].filter((s) => worst(s) === 'red')));
    for (const s of g.fleetBrowser.page({ scope: A, limit: 1000 }).sites) expect([s.id, s.worstLevel, s.activeAlarms]).toEqual([s.id, worst(s.id), active(s.id).length]);
    // Worst first: no quiet site before one with an active alarm.
    const ranks = g.fleetBrowser.page({ scope: A, limit: 1000 }).sites.map((s) => (s.worstLevel === null ? 4 : 3 - LEVELS.indexOf(s.worstLevel)));
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
  });

  it('gives the region tree within the scope, with sites and active alarms counted over each subtree', () => {
    const all = g.fleetBrowser.regions({ kind: 'all' });
    expect(all.map((r) => r.id)).toEqual(['hubei', REGION_A, 'town-a1', REGION_B]);
    const activeIn = (sites: string[], level: string) => rows.filter((r) => sites.includes(r.site) && r.state.startsWith('active') && r.level === level).length;
    const hubei = all.find((r) => r.id === 'hubei')!;
    expect(hubei.siteCount).toBe(250);
    expect(hubei.activeAlarms.red).toBe(activeIn([SITE_A, SITE_B, 'r-000', 'r-001'], 'red'));
    const a = g.fleetBrowser.regions(A);
    expect(a.map((r) => r.id)).toEqual([REGION_A, 'town-a1']);
    expect(a[0]).toMatchObject({ parent: null, name: '江汉区', level: 'county', officers: ['李明'], siteCount: sitesOf(A).length });
    expect(a[0]!.activeAlarms.orange).toBe(activeIn(sitesOf(A), 'orange'));
    expect(a[1]).toMatchObject({ parent: REGION_A, siteCount: sitesOf(A).length });
    // A restaurant owner sees the regions above his one kitchen, and counts of it alone.
    const owner = g.fleetBrowser.regions({ kind: 'site', site: SITE_B });
    expect(owner.map((r) => [r.id, r.siteCount])).toEqual([['hubei', 1], [REGION_B, 1]]);
  });
});
