// Hazard statistics per region (16号令 第十四条) over a real state.db, the hazards seeded through the
// ledger across two counties and two quarters: every number exact, a hazard found in Q3 and fixed
// in Q4 counted as found in Q3 and fixed in Q4, and an officer of county A seeing only A.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { RegistryStore } from '../../../gateway/src/registry/registry-store.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import { AuditLog } from '../../../gateway/src/audit/audit-log.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { HazardRepository } from '../../../gateway/src/hazards/repository.js';
import { HazardLedger, type HazardAct, type NewHazard } from '../../../gateway/src/hazards/ledger.js';
import { hazardReport } from '../../../gateway/src/hazards/report.js';
import { parsePeriod } from '../../../gateway/src/hazards/report-period.js';
import { tempDir } from '../../support/tmp.js';

/** Noon in Shanghai of a date. */
const day = (date: string) => Date.parse(`${date}T04:00:00Z`);
const REPORT_AT = day('2026-12-08');

let dir: ReturnType<typeof tempDir>;
let db: Db;
let ledger: HazardLedger;
let now = 0;
let seq = 0;

beforeEach(() => {
  dir = tempDir();
  db = openStateDb(dir.path);
  const fleet = new LiveFleet(new RegistryStore(db), silentLogger());
  const by = { actor: 'admin', atMs: day('2026-07-01') };
  fleet.putRegion({ id: 'wuhan', name: '武汉市', level: 'city' }, by);
  fleet.putRegion({ id: 'jiangan', name: '江岸区', level: 'county', parent: 'wuhan' }, by);
  fleet.putRegion({ id: 'qiaokou', name: '硚口区', level: 'county', parent: 'wuhan' }, by);
  fleet.putSite({ id: 'kitchen-a', name: '老王餐馆', region: 'jiangan', devices: [] }, by);
  fleet.putSite({ id: 'kitchen-b', name: '小李面馆', region: 'qiaokou', devices: [] }, by);
  seq = 0;
  ledger = new HazardLedger({
    db,
    repo: new HazardRepository(db),
    audit: new AuditLog(db),
    clock: () => now,
    log: silentLogger(),
    newId: () => `HZ-${String(++seq).padStart(3, '0')}`,
    site: (id) => {
      const s = fleet.site(id);
      return s === undefined ? undefined : { region: s.region ?? null, timeZone: s.timezone };
    },
  });
});
afterEach(() => {
  db.close();
  dir.remove();
});

function must<T extends { ok: boolean }>(move: T): T {
  if (!move.ok) throw new Error(JSON.stringify(move));
  return move;
}
function found(site: string, date: string, category: NewHazard['category']): string {
  now = day(date);
  const move = must(ledger.register({ site, source: 'patrol', category, description: '隐患', location: '后厨', foundBy: 'patrol-zhao', foundAtMs: now }, { name: 'patrol-zhao' }));
  if (!move.ok) throw new Error('unreachable');
  return move.hazard.id;
}
function on(date: string, id: string, act: HazardAct, who = 'officer-li'): void {
  now = day(date);
  must(ledger.act(id, act, { name: who }));
}
function planned(id: string, date: string, grade: 'general' | 'major', deadline: string): void {
  on(date, id, grade === 'major' ? { kind: 'grade', grade, basis: 'gas_standard_2023', criterion: '第五条' } : { kind: 'grade', grade, basis: null, criterion: null });
  on(date, id, { kind: 'plan', responsible: 'owner-chen', measures: '更换', fundsYuan: 500, deadlineDate: deadline, emergencyPlan: '关阀' });
}
function fixed(id: string, reported: string, accepted: string): void {
  on(reported, id, { kind: 'request_acceptance', note: '已整改' }, 'fitter-wang');
  on(accepted, id, { kind: 'accept', note: '合格', evidence: '检测报告 R-1' }, 'inspector-liu');
}

function seed(): void {
  // County A (江岸区)
  const h1 = found('kitchen-a', '2026-08-10', 'hose_pipe'); // general, fixed on time inside Q3
  planned(h1, '2026-08-10', 'general', '2026-08-20');
  fixed(h1, '2026-08-15', '2026-08-16');
  const h2 = found('kitchen-a', '2026-09-25', 'valve'); // major, found in Q3, fixed on time in Q4
  planned(h2, '2026-09-25', 'major', '2026-10-10');
  fixed(h2, '2026-10-05', '2026-10-06');
  const h3 = found('kitchen-a', '2026-09-01', 'detector'); // general, overdue at the end of Q3, fixed late in Q4
  planned(h3, '2026-09-01', 'general', '2026-09-10');
  fixed(h3, '2026-10-20', '2026-10-21');
  // County B (硚口区)
  const h4 = found('kitchen-b', '2026-08-01', 'hose_pipe'); // general, fixed on time in Q3
  planned(h4, '2026-08-01', 'general', '2026-08-30');
  fixed(h4, '2026-08-20', '2026-08-20');
  found('kitchen-b', '2026-11-01', 'ventilation'); // found in Q4, not yet graded
}

const row = (r: ReturnType<typeof hazardReport>, region: string) => r.rows.find((x) => x.region === region);

describe('hazard report per region', () => {
  it('counts a quarter exactly, per county and for the city', () => {
    seed();
    const q3 = hazardReport(db, { kind: 'all' }, parsePeriod('2026-Q3')!, 'wuhan', REPORT_AT);
    expect(q3.rows.map((r) => r.region)).toEqual(['wuhan', 'jiangan', 'qiaokou']);
    expect(row(q3, 'jiangan')).toMatchObject({ name: '江岸区', found: 3, foundGeneral: 2, foundMajor: 1, fixed: 1, fixedGeneral: 1, fixedMajor: 0, fixedFoundEarlier: 0, overdue: 1, overdueMajor: 0, foundFixedOnTime: 2 });
    expect(row(q3, 'jiangan')!.fixRate).toBeCloseTo(2 / 3, 10);
    expect(row(q3, 'jiangan')!.byCategory).toEqual({ hose_pipe: { found: 1, fixed: 1, overdue: 0 }, valve: { found: 1, fixed: 0, overdue: 0 }, detector: { found: 1, fixed: 0, overdue: 1 } });
    expect(row(q3, 'qiaokou')).toMatchObject({ found: 1, fixed: 1, overdue: 0, fixRate: 1 });
    expect(row(q3, 'wuhan')).toMatchObject({ found: 4, fixed: 2, overdue: 1, fixRate: 0.75 });
    expect(q3.asOfMs).toBe(Date.parse('2026-09-30T16:00:00Z'));
  });

  it('counts a hazard found in Q3 and fixed in Q4 as found in Q3 and fixed in Q4', () => {
    seed();
    const q4 = hazardReport(db, { kind: 'all' }, parsePeriod('2026-Q4')!, 'wuhan', REPORT_AT);
    expect(row(q4, 'jiangan')).toMatchObject({ found: 0, fixed: 2, fixedMajor: 1, fixedGeneral: 1, fixedFoundEarlier: 2, overdue: 0, fixRate: null });
    expect(row(q4, 'qiaokou')).toMatchObject({ found: 1, foundUngraded: 1, fixed: 0, overdue: 0, fixRate: 0 });
    expect(q4.asOfMs).toBe(REPORT_AT);
    const year = hazardReport(db, { kind: 'all' }, parsePeriod('2026')!, undefined, REPORT_AT);
    expect(year.rows.map((r) => r.region)).toEqual(['wuhan']);
    expect(row(year, 'wuhan')).toMatchObject({ found: 5, fixed: 4, fixedFoundEarlier: 0, overdue: 0, foundFixedOnTime: 3 });
  });

  it('shows an officer of county A only county A, in every row', () => {
    seed();
    const a = hazardReport(db, { kind: 'regions', regions: ['jiangan'] }, parsePeriod('2026-Q3')!, 'wuhan', REPORT_AT);
    expect(a.rows.map((r) => r.region)).toEqual(['wuhan', 'jiangan']);
    expect(row(a, 'wuhan')).toMatchObject({ found: 3, fixed: 1, overdue: 1 });
    const b = hazardReport(db, { kind: 'regions', regions: ['qiaokou'] }, parsePeriod('2026-Q3')!, 'jiangan', REPORT_AT);
    expect(b.rows).toEqual([]);
  });
});
