// The list an officer acts from, over thousands of alarms in a real state.db: active unacknowledged
// first, then red → blue, then newest; cursor pages that neither repeat nor skip, the order done
// by SQLite on an index (no sort of the whole table per page), filters by site, level and states.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { call, startApiGateway } from './helpers.js';

type Started = Awaited<ReturnType<typeof startApiGateway>>;
interface Row { id: string; site: string; level: string; peakLevel: string; state: string; raisedAtMs: number }

const STATES = ['active_unacked', 'active_acked', 'cleared_unacked', 'cleared', 'closed'] as const;
const LEVELS = ['blue', 'yellow', 'orange', 'red'] as const;
const SITES = ['kitchen-01', 'kitchen-02', 'reservoir-07'];
const N = 4000;

/** The officer's order, written independently of the SQL. */
function expectedOrder(rows: Row[]): string[] {
  const stateRank = (s: string) => STATES.indexOf(s as (typeof STATES)[number]);
  const levelRank = (r: Row) => 3 - LEVELS.indexOf((r.state.startsWith('active') ? r.level : r.peakLevel) as (typeof LEVELS)[number]);
  return [...rows]
    .sort((a, b) => stateRank(a.state) - stateRank(b.state) || levelRank(a) - levelRank(b) || b.raisedAtMs - a.raisedAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => r.id);
}

describe('alarm list in priority order over thousands of alarms', () => {
  let g: Started;
  const rows: Row[] = [];

  beforeAll(async () => {
    g = await startApiGateway();
    const db = new Database(join(g.dir.path, 'state.db'));
    const insert = db.prepare(
      `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms)
       VALUES (@id, @site, 'gas-01', 'ch4', 'methane_lel', 'kitchen-methane', @level, @peakLevel, 12, 30, @state, @raisedAtMs, @raisedAtMs)`,
    );
    // A fixed pseudo-random spread (LCG), with many equal raise times so the id tie-break is exercised.
    let seed = 42;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), Math.floor((seed / 2 ** 31) * n));
    db.transaction(() => {
      for (let i = 0; i < N; i++) {
        const level = LEVELS[next(4)]!;
        const peakLevel = LEVELS[Math.max(LEVELS.indexOf(level), next(4))]!;
        const row: Row = { id: `a-${String(next(1e6)).padStart(6, '0')}-${i}`, site: SITES[next(3)]!, level, peakLevel, state: STATES[next(5)]!, raisedAtMs: 1_765_000_000_000 + next(500) * 1000 };
        insert.run(row);
        rows.push(row);
      }
    })();
    db.close();
  }, 30_000);

  afterAll(() => g?.stop());

  async function pages(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let n = 0;
    do {
      const res = await call(g.gateway, 'viewer', { method: 'GET', url: `/api/v1/alarms?sort=priority&limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}` });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { alarms: Row[]; nextCursor: string | null };
      expect(body.alarms.length).toBeLessThanOrEqual(limit);
      ids.push(...body.alarms.map((a) => a.id));
      cursor = body.nextCursor;
      n++;
    } while (cursor);
    return { ids, pages: n };
  }

  it('pages every alarm once, active unacknowledged first, then red to blue, then newest', async () => {
    const { ids, pages: n } = await pages('', 250);
    expect(new Set(ids).size).toBe(N);
    expect(ids).toEqual(expectedOrder(rows));
    expect(n).toBe(Math.ceil(N / 250));
    const first = rows.find((r) => r.id === ids[0])!;
    expect(first).toMatchObject({ state: 'active_unacked', level: 'red' });
  });

  it('filters by site, level and a list of states, in the same order', async () => {
    const cleared = await pages('&site=kitchen-02&state=cleared_unacked,cleared', 77);
    expect(cleared.ids).toEqual(expectedOrder(rows.filter((r) => r.site === 'kitchen-02' && (r.state === 'cleared_unacked' || r.state === 'cleared'))));
    const red = await pages('&level=red&active=true', 100);
    expect(red.ids).toEqual(expectedOrder(rows.filter((r) => r.level === 'red' && r.state.startsWith('active'))));
    expect(red.ids.length).toBeGreaterThan(100);
  });

  it('keeps newest-first as the default order', async () => {
    const res = await call(g.gateway, 'viewer', { method: 'GET', url: '/api/v1/alarms?limit=5' });
    const times = (res.json() as { alarms: Row[] }).alarms.map((a) => a.raisedAtMs);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times[0]).toBe(Math.max(...rows.map((r) => r.raisedAtMs)));
  });

  it('refuses an unknown state and a cursor of the other order, naming the field', async () => {
    const bad = await call(g.gateway, 'viewer', { method: 'GET', url: '/api/v1/alarms?state=active_unacked,gone' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/state: gone is not one of/);
    const timeCursor = (await call(g.gateway, 'viewer', { method: 'GET', url: '/api/v1/alarms?limit=1' })).json().nextCursor as string;
    const mixed = await call(g.gateway, 'viewer', { method: 'GET', url: `/api/v1/alarms?sort=priority&cursor=${timeCursor}` });
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().message).toMatch(/^cursor: /);
  });

  it('walks the priority index: SQLite sorts no table per page', () => {
    const db = new Database(join(g.dir.path, 'state.db'), { readonly: true });
    try {
      const plan = db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT * FROM alarm ORDER BY (CASE state WHEN 'active_unacked' THEN 0 WHEN 'active_acked' THEN 1 WHEN 'cleared_unacked' THEN 2 WHEN 'cleared' THEN 3 ELSE 4 END), (CASE (CASE WHEN state IN ('active_unacked', 'active_acked') THEN level ELSE peak_level END) WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 ELSE 3 END), raised_at_ms DESC, id LIMIT 101`,
        )
        .all() as { detail: string }[];
      const text = plan.map((p) => p.detail).join(' | ');
      expect(text).toContain('api_alarm_by_priority');
      expect(text).not.toContain('TEMP B-TREE');
    } finally {
      db.close();
    }
  });
});
