// The work order repository on a real state.db file: every move saved with its events and audit
// entries in one transaction; lists paged and limited to the viewer's scope in SQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { migrateRegistry } from '../../../gateway/src/registry/tables.js';
import { AuditLog } from '../../../gateway/src/audit/audit-log.js';
import { WorkOrderRepository } from '../../../gateway/src/work-orders/repository.js';
import { accept, dispatch, type WorkOrder } from '../../../gateway/src/work-orders/machine.js';
import { tempDir } from '../../support/tmp.js';

const T0 = Date.UTC(2026, 11, 8, 1, 0);
let dir: ReturnType<typeof tempDir>;
let db: Db;
let audit: AuditLog;
let repo: WorkOrderRepository;

beforeEach(() => {
  dir = tempDir();
  db = openStateDb(dir.path);
  migrateRegistry(db);
  db.exec(`INSERT INTO region (id, parent, name, level, path) VALUES ('city', NULL, 'City', 'city', '/city/'),
      ('east', 'city', 'East', 'county', '/city/east/'), ('west', 'city', 'West', 'county', '/city/west/');
    INSERT INTO fleet_site (id, name, region, body, updated_ms) VALUES ('k-east', 'East kitchen', 'east', '{}', 0), ('k-west', 'West kitchen', 'west', '{}', 0);`);
  audit = new AuditLog(db);
  repo = new WorkOrderRepository(db, audit);
});

afterEach(() => {
  db.close();
  dir.remove();
});

function put(id: string, site: string, atMs: number): WorkOrder {
  const out = dispatch({ id, task: 'check_leak', title: 't', site, dispatcher: 'zhang', assignee: 'li', dueAtMs: atMs + 3_600_000, atMs });
  repo.save(out.next, out.events);
  return out.next;
}

describe('work order repository', () => {
  it('saves a move with its event and a chained audit entry', () => {
    const o = put('wo-1', 'k-east', T0);
    const a = accept(o, 'li', T0 + 1000);
    repo.save(a.next, a.events);
    expect(repo.getAny('wo-1')?.state).toBe('accepted');
    expect(repo.events('wo-1').map((e) => e.kind)).toEqual(['dispatched', 'accepted']);
    expect(audit.list(10).map((e) => e.action)).toEqual(['work_order.accepted', 'work_order.dispatched']);
    expect(audit.verify().ok).toBe(true);
  });

  it('an order outside the viewer’s region is not found, inside it is', () => {
    put('wo-1', 'k-east', T0);
    expect(repo.get('wo-1', { kind: 'regions', regions: ['west'] })).toBeNull();
    expect(repo.get('wo-1', { kind: 'regions', regions: ['city'] })?.site).toBe('k-east');
    expect(repo.get('wo-1', { kind: 'site', site: 'k-east' })?.id).toBe('wo-1');
  });

  it('lists newest first, scoped and paged by cursor', () => {
    for (let i = 0; i < 5; i++) put(`wo-e${i}`, 'k-east', T0 + i);
    put('wo-w', 'k-west', T0 + 10);
    const east = { kind: 'regions', regions: ['east'] } as const;
    const first = repo.list({ scope: east, limit: 2 });
    expect(first.map((o) => o.id)).toEqual(['wo-e4', 'wo-e3']);
    const last = first[first.length - 1]!;
    const second = repo.list({ scope: east, limit: 10, before: { atMs: last.dispatchedAtMs, id: last.id } });
    expect(second.map((o) => o.id)).toEqual(['wo-e2', 'wo-e1', 'wo-e0']);
    expect(repo.list({ scope: { kind: 'all' }, limit: 100 })).toHaveLength(6);
    expect(repo.list({ scope: { kind: 'all' }, limit: 100, assignee: 'nobody' })).toEqual([]);
  });

  it('finds orders past their acceptance window or deadline', () => {
    put('wo-1', 'k-east', T0);
    expect(repo.openDueBy(T0 + 60_000, 30 * 60_000)).toEqual([]);
    expect(repo.openDueBy(T0 + 31 * 60_000, 30 * 60_000).map((o) => o.id)).toEqual(['wo-1']);
  });
});
