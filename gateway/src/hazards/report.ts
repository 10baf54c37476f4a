// Hazard statistics per region for a quarter or a year (隐患排查治理统计分析表), as
// 《安全生产事故隐患排查治理暂行规定》(国家安监总局令第16号) 第十四条 asks each quarter and each year.
// Counted in SQL over the ledger, inside the caller's scope, per region subtree (region.path).
//
// How a hazard is counted (a hazard found in one quarter and fixed in the next):
// - found: its foundAtMs falls in the period (in its site's time zone). It is "found" in that period only.
// - fixed: its fix was accepted (验收合格) inside the period, whenever it was found; so a hazard found in
//   Q3 and accepted in Q4 is found in Q3 and fixed in Q4 (`fixedFoundEarlier` counts those).
// - overdue: at the end of the period (or now, if sooner), past its deadline and not yet accepted,
//   whenever it was found: a backlog carried into the period stays visible until it is fixed.
// - fix rate: of the hazards FOUND in the period, those whose fix was reported (申请验收) by the
//   deadline and since accepted, over those found; measured at the report's instant, so a quarter's
//   rate can still rise while its late-found hazards are being fixed on time.

import type { Db } from '../store/sqlite.js';
import type { Scope } from '../contract/scope.js';
import { siteScopeSql } from '../registry/scope-sql.js';
import { periodBoundsMs, type ReportPeriod } from './report-period.js';

export interface HazardCounts {
  found: number;
  foundGeneral: number;
  foundMajor: number;
  /** Found in the period, not yet graded. */
  foundUngraded: number;
  fixed: number;
  fixedGeneral: number;
  fixedMajor: number;
  /** Fixed in the period, found before it. */
  fixedFoundEarlier: number;
  /** Found in the period and fixed on time (reported by the deadline, since accepted). */
  foundFixedOnTime: number;
  overdue: number;
  overdueMajor: number;
  /** foundFixedOnTime / found, null when nothing was found. */
  fixRate: number | null;
}

export interface RegionReportRow extends HazardCounts {
  region: string;
  name: string;
  byCategory: Record<string, { found: number; fixed: number; overdue: number }>;
}

export interface HazardReport {
  period: string;
  /** The instant overdue was measured at: the period's end, or now if sooner (the fix rate is measured now). */
  asOfMs: number;
  /** The region asked for (its subtree), or null for every top-level region in scope. */
  region: string | null;
  /** The region asked for itself (its whole subtree) first, then each of its child regions. */
  rows: RegionReportRow[];
}

interface Grouped {
  region: string;
  grade: string | null;
  category: string;
  found: number;
  fixed: number;
  fixed_earlier: number;
  found_on_time: number;
  overdue: number;
}

const empty = (): HazardCounts => ({ found: 0, foundGeneral: 0, foundMajor: 0, foundUngraded: 0, fixed: 0, fixedGeneral: 0, fixedMajor: 0, fixedFoundEarlier: 0, foundFixedOnTime: 0, overdue: 0, overdueMajor: 0, fixRate: null });

/**
 * The report. `region` undefined reports the top-level regions (those without a parent); a region
 * reports itself and its children. Rows of regions with no hazard in scope are left out.
 */
export function hazardReport(db: Db, scope: Scope, period: ReportPeriod, region: string | undefined, nowMs: number): HazardReport {
  const within = siteScopeSql(scope, 'h.site');
  // Each site keeps its own calendar: the bounds are computed per time zone present in the scope
  // and joined in as a small table, so the counting stays in one SQL pass over the ledger.
  const zones = (db.prepare(`SELECT DISTINCT json_extract(h.body, '$.timeZone') AS tz FROM hazard h WHERE ${within.sql}`).all(...within.params) as { tz: string }[]).map((r) => r.tz);
  let asOfMs = nowMs;
  const bounds = zones.map((tz) => {
    const b = periodBoundsMs(period, tz);
    return { tz, ...b, asOf: Math.min(b.endMs, nowMs) };
  });
  for (const b of bounds) asOfMs = Math.min(asOfMs, b.endMs);
  if (bounds.length === 0) asOfMs = Math.min(nowMs, periodBoundsMs(period, 'UTC').endMs);

  const regions = (
    region === undefined
      ? db.prepare('SELECT id, name, path FROM region WHERE parent IS NULL ORDER BY id').all()
      : db.prepare('SELECT id, name, path FROM region WHERE id = ? UNION ALL SELECT * FROM (SELECT id, name, path FROM region WHERE parent = ? ORDER BY id)').all(region, region)
  ) as { id: string; name: string; path: string }[];
  if (bounds.length === 0 || regions.length === 0) return { period: period.label, asOfMs, region: region ?? null, rows: [] };

  const boundValues = bounds.map(() => '(?, ?, ?, ?, ?)').join(', ');
  const boundParams = bounds.flatMap((b) => [b.tz, b.startMs, b.endMs, b.asOf, nowMs]);
  const regionValues = regions.map(() => '(?, ?)').join(', ');
  const regionParams = regions.flatMap((r) => [r.id, r.path]);
  const sql = `
    WITH bounds (tz, start_ms, end_ms, as_of, now_ms) AS (VALUES ${boundValues}),
         wanted (id, path) AS (VALUES ${regionValues}),
         -- MATERIALIZED: read each hazard's JSON once, not once per region it is joined to (100 000
         -- hazards, a province and 20 counties: 2.2 s inlined, 0.7 s materialised).
         h AS MATERIALIZED (
           SELECT h.site, h.grade, h.category, h.deadline_ms,
                  json_extract(h.body, '$.foundAtMs') AS found_ms,
                  CASE WHEN json_extract(h.body, '$.acceptance.result') = 'passed' THEN json_extract(h.body, '$.acceptance.atMs') END AS fixed_ms,
                  json_extract(h.body, '$.acceptanceRequest.atMs') AS reported_ms,
                  b.start_ms, b.end_ms, b.as_of, b.now_ms, r.path AS site_path
             FROM hazard h
             JOIN bounds b ON b.tz = json_extract(h.body, '$.timeZone')
             JOIN fleet_site s ON s.id = h.site
             JOIN region r ON r.id = s.region
            WHERE ${within.sql})
    SELECT w.id AS region, h.grade, h.category,
           SUM(h.found_ms >= h.start_ms AND h.found_ms < h.end_ms) AS found,
           SUM(h.fixed_ms >= h.start_ms AND h.fixed_ms < h.end_ms) AS fixed,
           SUM(h.fixed_ms >= h.start_ms AND h.fixed_ms < h.end_ms AND h.found_ms < h.start_ms) AS fixed_earlier,
           SUM(h.found_ms >= h.start_ms AND h.found_ms < h.end_ms AND h.fixed_ms <= h.now_ms AND h.reported_ms <= h.deadline_ms) AS found_on_time,
           SUM(h.found_ms < h.as_of AND h.deadline_ms <= h.as_of AND (h.fixed_ms IS NULL OR h.fixed_ms > h.as_of)) AS overdue
      FROM wanted w JOIN h ON h.site_path GLOB w.path || '*'
     GROUP BY w.id, h.grade, h.category`;
  const grouped = db.prepare(sql).all(...boundParams, ...regionParams, ...within.params) as Grouped[];

  const rows = new Map<string, RegionReportRow>(regions.map((r) => [r.id, { region: r.id, name: r.name, ...empty(), byCategory: {} }]));
  const seen = new Set<string>();
  for (const g of grouped) {
    const row = rows.get(g.region)!;
    seen.add(g.region);
    const [found, fixed, overdue] = [g.found ?? 0, g.fixed ?? 0, g.overdue ?? 0];
    row.found += found;
    row.fixed += fixed;
    row.overdue += overdue;
    row.fixedFoundEarlier += g.fixed_earlier ?? 0;
    row.foundFixedOnTime += g.found_on_time ?? 0;
    if (g.grade === 'major') (row.foundMajor += found, row.fixedMajor += fixed, row.overdueMajor += overdue);
    else if (g.grade === 'general') (row.foundGeneral += found, row.fixedGeneral += fixed);
    else row.foundUngraded += found;
    const c = (row.byCategory[g.category] ??= { found: 0, fixed: 0, overdue: 0 });
    c.found += found;
    c.fixed += fixed;
    c.overdue += overdue;
  }
  const out = regions.filter((r) => seen.has(r.id)).map((r) => {
    const row = rows.get(r.id)!;
    row.fixRate = row.found === 0 ? null : row.foundFixedOnTime / row.found;
    return row;
  });
  return { period: period.label, asOfMs, region: region ?? null, rows: out };
}
