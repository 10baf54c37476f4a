// The hazard ledger over a real state.db: each move saved with its trail and one chained audit
// entry in the same transaction, a refusal writing nothing, one record per source, lists and
// single reads kept to the caller's scope in the SQL, paging without loss.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { RegistryStore } from '../../../gateway/src/registry/registry-store.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import { AuditLog } from '../../../gateway/src/audit/audit-log.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { HazardRepository } from '../../../gateway/src/hazards/repository.js';
import { HazardLedger, type NewHazard } from '../../../gateway/src/hazards/ledger.js';
import { tempDir } from '../../support/tmp.js';

const T0 = Date.UTC(2026, 11, 8, 2); // 2026-12-08 10:00 Shanghai
const HOUR = 3_600_000;
const by = { actor: 'admin', atMs: T0 };

let dir: ReturnType<typeof tempDir>;
let db: Db;
let audit: AuditLog;
let repo: HazardRepository;
let ledger: HazardLedger;
let now = T0;
let seq = 0;

function openLedger(): HazardLedger {
  const fleet = new LiveFleet(new RegistryStore(db), silentLogger());
  audit = new AuditLog(db);
  repo = new HazardRepository(db);
  return new HazardLedger({
    db,
    repo,
    audit,
    clock: () => now,
    log: silentLogger(),
    newId: () => `HZ-${String(++seq).padStart(3, '0')}`,
    site: (id) => {
      const s = fleet.site(id);
      return s === undefined ? undefined : { region: s.region ?? null, timeZone: s.timezone };
    },
  });
}

beforeEach(() => {
  dir = tempDir();
  db = openStateDb(dir.path);
  const fleet = new LiveFleet(new RegistryStore(db), silentLogger());
  fleet.putRegion({ id: 'wuhan', name: '武汉市', level: 'city' }, by);
  fleet.putRegion({ id: 'jiangan', name: '江岸区', level: 'county', parent: 'wuhan' }, by);
  fleet.putRegion({ id: 'hankou', name: '汉口', level: 'county' }, by);
  fleet.putSite({ id: 'kitchen-a', name: '老王餐馆', region: 'jiangan', devices: [] }, by);
  fleet.putSite({ id: 'kitchen-b', name: '小李面馆', region: 'hankou', devices: [] }, by);
  now = T0;
  seq = 0;
  ledger = openLedger();
});
afterEach(() => {
  db.close();
  dir.remove();
});

const found = (over: Partial<NewHazard> = {}): NewHazard => ({
  site: 'kitchen-a',
  source: 'patrol',
  category: 'hose_pipe',
  description: '软管老化 hose cracked',
  location: '后厨 back kitchen',
  foundBy: 'patrol-zhao',
  foundAtMs: T0 - HOUR,
  ...over,
});

function must<T extends { ok: boolean }>(move: T): Extract<T, { ok: true }> {
  if (!move.ok) throw new Error(JSON.stringify(move));
  return move as Extract<T, { ok: true }>;
}

const hazardAudit = () => audit.list(100).filter((e) => e.action.startsWith('hazard.')).reverse();

describe('hazard ledger on state.db', () => {
  it('walks one hazard from discovery to 销号, each move one audit entry about the site and one trail line', () => {
    const id = must(ledger.register(found(), { name: 'clerk-sun', tokenId: 'tk-1', role: 'officer' })).hazard.id;
    const officer = { name: 'officer-li' };
    must(ledger.act(id, { kind: 'grade', grade: 'major', basis: 'gas_standard_2023', criterion: '商业用户燃气软管老化 hose past its life' }, officer));
    must(ledger.act(id, { kind: 'link_order', orderId: 'ord-7' }, officer));
    must(ledger.act(id, { kind: 'plan', responsible: 'owner-chen', measures: '更换金属软管', fundsYuan: 800, deadlineDate: '2026-12-15', emergencyPlan: '关阀 close the valve' }, officer));
    now += HOUR;
    must(ledger.act(id, { kind: 'progress', note: '已订货 ordered' }, { name: 'owner-chen' }));
    must(ledger.act(id, { kind: 'request_acceptance', note: '已更换 replaced' }, { name: 'fitter-wang' }));
    must(ledger.act(id, { kind: 'refuse', note: '接头漏气 joint leaks' }, { name: 'inspector-liu' }));
    must(ledger.act(id, { kind: 'extend', note: '等配件 waiting for a part', deadlineDate: '2026-12-20' }, officer));
    must(ledger.act(id, { kind: 'request_acceptance', note: '已重装 refitted' }, { name: 'fitter-wang' }));
    must(ledger.act(id, { kind: 'accept', note: '合格 passed', evidence: '检漏 0 ppm' }, { name: 'inspector-liu' }));
    const closed = must(ledger.act(id, { kind: 'close', note: '同意销号' }, officer)).hazard;

    expect(closed).toMatchObject({ state: 'closed', stopWorkOrderId: 'ord-7', plan: { deadlineDate: '2026-12-20' }, closure: { by: 'officer-li' } });
    expect(repo.events(id).map((e) => e.kind)).toEqual([
      'registered', 'graded', 'order_linked', 'planned', 'progress', 'acceptance_requested', 'acceptance_refused', 'deadline_extended', 'acceptance_requested', 'accepted', 'closed',
    ]);
    const entries = hazardAudit();
    expect(entries.map((e) => e.action)).toEqual([
      'hazard.register', 'hazard.grade', 'hazard.link_order', 'hazard.plan', 'hazard.progress', 'hazard.request_acceptance', 'hazard.refuse', 'hazard.extend', 'hazard.request_acceptance', 'hazard.accept', 'hazard.close',
    ]);
    expect(entries.every((e) => e.target === id && e.detail.site === 'kitchen-a')).toBe(true);
    expect(entries[0]!.detail).toMatchObject({ tokenId: 'tk-1', role: 'officer', source: 'patrol' });
    expect(entries[7]!.detail).toMatchObject({ deadlineDate: '2026-12-20', note: '等配件 waiting for a part' });
    expect(audit.verify().ok).toBe(true);
  });

  it('writes nothing for a refused move: no record change, no trail line, no audit entry', () => {
    const id = must(ledger.register(found(), { name: 'clerk-sun' })).hazard.id;
    must(ledger.act(id, { kind: 'grade', grade: 'general' }, { name: 'officer-li' }));
    must(ledger.act(id, { kind: 'plan', responsible: 'owner-chen', measures: 'm', deadlineDate: '2026-12-15' }, { name: 'officer-li' }));
    must(ledger.act(id, { kind: 'request_acceptance', note: 'done' }, { name: 'fitter-wang' }));
    const before = { events: repo.events(id).length, audit: audit.head(), body: ledger.get(id) };
    const move = ledger.act(id, { kind: 'accept', note: 'fine', evidence: 'e' }, { name: 'Fitter-Wang' });
    expect(move).toMatchObject({ ok: false, rejected: 'SAME_PERSON' });
    expect(repo.events(id).length).toBe(before.events);
    expect(audit.head()).toEqual(before.audit);
    expect(ledger.get(id)).toEqual(before.body);
  });

  it('refuses an unknown site and an unknown hazard', () => {
    expect(ledger.register(found({ site: 'nowhere' }), { name: 'x' })).toMatchObject({ ok: false, rejected: 'UNKNOWN_SITE' });
    expect(ledger.act('HZ-none', { kind: 'progress', note: 'n' }, { name: 'x' })).toMatchObject({ ok: false, rejected: 'NOT_FOUND' });
  });

  it('takes the site region and time zone at registration: the deadline ends at the site midnight', () => {
    const id = must(ledger.register(found(), { name: 'clerk' })).hazard.id;
    must(ledger.act(id, { kind: 'grade', grade: 'general' }, { name: 'o' }));
    const h = must(ledger.act(id, { kind: 'plan', responsible: 'r', measures: 'm', deadlineDate: '2026-12-15' }, { name: 'o' })).hazard;
    expect(h).toMatchObject({ region: 'jiangan', timeZone: 'Asia/Shanghai', plan: { deadlineMs: Date.UTC(2026, 11, 15, 16) } });
  });

  it('keeps one record per source: the same alarm reported twice is one hazard', () => {
    const first = ledger.registerOnce({ ...found({ source: 'alarm' }), sourceRef: 'al-42' }, { name: 'gateway' });
    const second = ledger.registerOnce({ ...found({ source: 'alarm', description: 'again' }), sourceRef: 'al-42' }, { name: 'gateway' });
    expect(first).toMatchObject({ ok: true, created: true });
    expect(second).toMatchObject({ ok: true, created: false });
    expect(must(second).hazard.id).toBe(must(first).hazard.id);
    expect(repo.list({ kind: 'all' }, { limit: 10 })).toHaveLength(1);
    expect(hazardAudit()).toHaveLength(1);
  });

  it('lists and reads only within the caller scope, in the SQL; outside it is NOT_FOUND for acts too', () => {
    const a = must(ledger.register(found(), { name: 'c' })).hazard.id;
    const b = must(ledger.register(found({ site: 'kitchen-b' }), { name: 'c' })).hazard.id;
    const city = { kind: 'regions', regions: ['wuhan'] } as const;
    expect(repo.list(city, { limit: 10 }).map((h) => h.id)).toEqual([a]);
    expect(repo.list({ kind: 'site', site: 'kitchen-b' }, { limit: 10 }).map((h) => h.id)).toEqual([b]);
    expect(ledger.get(b, city)).toBeUndefined();
    expect(ledger.act(b, { kind: 'grade', grade: 'general' }, { name: 'o' }, city)).toMatchObject({ ok: false, rejected: 'NOT_FOUND' });
    expect(ledger.get(b)?.state).toBe('registered');
  });

  it('filters open, overdue and grade in SQL and pages newest first without loss or repeat', () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      now = T0 + i * 1000;
      ids.push(must(ledger.register(found(), { name: 'c' })).hazard.id);
    }
    must(ledger.act(ids[0]!, { kind: 'grade', grade: 'major', basis: 'order16_stop_work', criterion: 'c' }, { name: 'o' }));
    must(ledger.act(ids[0]!, { kind: 'plan', responsible: 'r', measures: 'm', fundsYuan: 1, emergencyPlan: 'e', deadlineDate: '2026-12-09' }, { name: 'o' }));
    const seen: string[] = [];
    let page = repo.list({ kind: 'all' }, { limit: 3 });
    while (page.length > 0) {
      seen.push(...page.map((h) => h.id));
      const last = page[page.length - 1]!;
      page = repo.list({ kind: 'all' }, { limit: 3, after: { registeredAtMs: last.registeredAtMs, id: last.id } });
    }
    expect(seen).toEqual([...ids].reverse());
    expect(repo.list({ kind: 'all' }, { limit: 10, grade: 'major' }).map((h) => h.id)).toEqual([ids[0]]);
    // 2026-12-09 ends at 16:00 UTC that day.
    expect(repo.list({ kind: 'all' }, { limit: 10, overdueAtMs: Date.UTC(2026, 11, 9, 15, 59) })).toEqual([]);
    expect(repo.list({ kind: 'all' }, { limit: 10, overdueAtMs: Date.UTC(2026, 11, 9, 16) }).map((h) => h.id)).toEqual([ids[0]]);
  });

  it('reads the same records back after the database is closed and opened again', () => {
    const id = must(ledger.register(found(), { name: 'c' })).hazard.id;
    must(ledger.act(id, { kind: 'grade', grade: 'general' }, { name: 'o' }));
    const before = ledger.get(id);
    db.close();
    db = openStateDb(dir.path);
    ledger = openLedger();
    expect(ledger.get(id)).toEqual(before);
    expect(repo.events(id).map((e) => e.kind)).toEqual(['registered', 'graded']);
  });
});
