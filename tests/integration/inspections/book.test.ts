// Inspection rounds over a real state.db: each move with its audit entry, failed items filed in the
// real hazard ledger, lists and completion rates scoped in SQL.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { RegistryStore } from '../../../gateway/src/registry/registry-store.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import { AuditLog } from '../../../gateway/src/audit/audit-log.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { HazardRepository } from '../../../gateway/src/hazards/repository.js';
import { HazardLedger } from '../../../gateway/src/hazards/ledger.js';
import { InspectionRepository } from '../../../gateway/src/inspections/repository.js';
import { InspectionBook, type RoundAct } from '../../../gateway/src/inspections/book.js';
import { KITCHEN_CHECKLIST } from '../../../gateway/src/inspections/checklists.js';
import { tempDir } from '../../support/tmp.js';

const T0 = Date.UTC(2026, 2, 10, 2); // 10 March 2026, 10:00 in Shanghai
const by = { actor: 'admin', atMs: T0 };
const li = { name: 'insp-li', role: 'inspector' };

let dir: ReturnType<typeof tempDir>;
let db: Db;
let audit: AuditLog;
let repo: InspectionRepository;
let hazards: HazardRepository;
let book: InspectionBook;
let now = T0;
let seq = 0;

beforeEach(() => {
  dir = tempDir();
  db = openStateDb(dir.path);
  const fleet = new LiveFleet(new RegistryStore(db), silentLogger());
  fleet.putRegion({ id: 'wuhan', name: '武汉市', level: 'city' }, by);
  fleet.putRegion({ id: 'jiangan', name: '江岸区', level: 'county', parent: 'wuhan' }, by);
  fleet.putRegion({ id: 'hankou', name: '汉口', level: 'county' }, by);
  fleet.putSite({ id: 'kitchen-a', name: '老王餐馆', region: 'jiangan', preset: 'restaurant_kitchen', devices: [] }, by);
  fleet.putSite({ id: 'kitchen-b', name: '小李面馆', region: 'hankou', preset: 'restaurant_kitchen', devices: [] }, by);
  now = T0;
  seq = 0;
  audit = new AuditLog(db);
  const site = (id: string) => {
    const s = fleet.site(id);
    return s === undefined ? undefined : { region: s.region ?? null, timeZone: s.timezone, preset: s.preset };
  };
  hazards = new HazardRepository(db);
  const ledger = new HazardLedger({ db, repo: hazards, audit, clock: () => now, log: silentLogger(), site });
  repo = new InspectionRepository(db);
  book = new InspectionBook({ db, repo, audit, clock: () => now, log: silentLogger(), site, hazards: ledger, newId: () => `IN-${++seq}` });
});
afterEach(() => {
  db.close();
  dir.remove();
});

function act(id: string, a: RoundAct) {
  const out = book.act(id, a, li);
  if (!out.ok) throw new Error(out.detail);
  return out.round;
}

function walk(id: string, fail: Record<string, string> = {}) {
  act(id, { kind: 'start' });
  for (const item of KITCHEN_CHECKLIST.items) act(id, fail[item.id] !== undefined ? { kind: 'record', item: item.id, result: 'failed', note: fail[item.id] } : { kind: 'record', item: item.id, result: 'passed' });
  return act(id, { kind: 'complete' });
}

describe('inspection book', () => {
  it('schedules one round per site and local month; scheduling again returns the same round', () => {
    const a = book.schedule('kitchen-a', li);
    const again = book.schedule('kitchen-a', li);
    expect(a.ok && again.ok && again.round.id === a.round.id && again.created === false).toBe(true);
    expect(book.schedule('nowhere', li)).toMatchObject({ ok: false, rejected: 'UNKNOWN_SITE' });
  });

  it('writes an audit entry for every move, in the same transaction', () => {
    const r = book.schedule('kitchen-a', li);
    if (!r.ok) throw new Error(r.detail);
    walk(r.round.id);
    const actions = audit.list(50).map((e) => e.action).filter((a) => a.startsWith('inspection.'));
    expect(actions.filter((a) => a === 'inspection.record')).toHaveLength(KITCHEN_CHECKLIST.items.length);
    expect(actions).toContain('inspection.schedule');
    expect(actions).toContain('inspection.complete');
  });

  it('a refused move changes nothing and writes no audit entry', () => {
    const r = book.schedule('kitchen-a', li);
    if (!r.ok) throw new Error(r.detail);
    const before = audit.list(50).length;
    const out = book.act(r.round.id, { kind: 'complete' }, li);
    expect(out).toMatchObject({ ok: false, rejected: 'NOT_IN_PROGRESS' });
    expect(audit.list(50).length).toBe(before);
    expect(book.get(r.round.id)?.state).toBe('scheduled');
  });

  it('files a failed item in the hazard ledger as a patrol hazard, once, and keeps the candidate with its id', () => {
    const r = book.schedule('kitchen-a', li);
    if (!r.ok) throw new Error(r.detail);
    walk(r.round.id, { 'hose-condition': '软管老化龟裂' });
    const [c] = repo.candidates(r.round.id);
    expect(c).toMatchObject({ item: 'hose-condition', site: 'kitchen-a', note: '软管老化龟裂' });
    const h = hazards.bySource('patrol', `${r.round.id}/hose-condition`);
    expect(h).toMatchObject({ id: c!.hazardId, site: 'kitchen-a', category: 'hose_pipe', foundBy: 'insp-li' });
    expect(h!.description).toContain('软管老化龟裂');
  });

  it('a round outside the caller scope is not found', () => {
    const r = book.schedule('kitchen-b', li);
    if (!r.ok) throw new Error(r.detail);
    expect(book.get(r.round.id, { kind: 'regions', regions: ['wuhan'] })).toBeUndefined();
    expect(book.act(r.round.id, { kind: 'start' }, li, { kind: 'regions', regions: ['wuhan'] })).toMatchObject({ ok: false, rejected: 'NOT_FOUND' });
    expect(book.schedule('kitchen-b', li, { kind: 'regions', regions: ['wuhan'] })).toMatchObject({ ok: false, rejected: 'UNKNOWN_SITE' });
  });

  it('counts completion per region and month in SQL, scoped, with late rounds completed but not on time', () => {
    const a = book.schedule('kitchen-a', li);
    const b = book.schedule('kitchen-b', li);
    if (!a.ok || !b.ok) throw new Error('schedule');
    walk(a.round.id);
    now = Date.UTC(2026, 3, 2); // April: kitchen-a's April round is due, kitchen-b's March round is late
    walk(b.round.id);
    book.schedule('kitchen-a', li);
    const all = repo.completionRates({ kind: 'all' }, '2026-03', '2026-04');
    expect(all).toEqual([
      { region: 'hankou', month: '2026-03', due: 1, completed: 1, onTime: 0, rate: 1 },
      { region: 'jiangan', month: '2026-03', due: 1, completed: 1, onTime: 1, rate: 1 },
      { region: 'jiangan', month: '2026-04', due: 1, completed: 0, onTime: 0, rate: 0 },
    ]);
    const city = repo.completionRates({ kind: 'regions', regions: ['wuhan'] }, '2026-03', '2026-04');
    expect(city.map((r) => r.region)).toEqual(['jiangan', 'jiangan']);
  });

  it('lists overdue rounds within the scope, paged by (month, id)', () => {
    book.schedule('kitchen-a', li);
    book.schedule('kitchen-b', li);
    now = Date.UTC(2026, 3, 2);
    expect(repo.list({ kind: 'all' }, { overdueAtMs: now, limit: 10 }).map((r) => r.site).sort()).toEqual(['kitchen-a', 'kitchen-b']);
    expect(repo.list({ kind: 'regions', regions: ['hankou'] }, { overdueAtMs: now, limit: 10 }).map((r) => r.site)).toEqual(['kitchen-b']);
    const first = repo.list({ kind: 'all' }, { limit: 1 });
    const second = repo.list({ kind: 'all' }, { limit: 1, after: { month: '2026-03', id: first[0]!.id } });
    expect(second).toHaveLength(1);
    expect(second[0]!.id).not.toBe(first[0]!.id);
  });
});
