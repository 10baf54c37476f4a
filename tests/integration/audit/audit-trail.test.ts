// AuditTrail.recorded, the one way the API writes an officer's action: the action's own write and
// its audit entry commit together or not at all, on a real state.db.

import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../../gateway/src/audit/audit-log.js';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { useGatewayFixture } from '../../support/fixture.js';

describe('an audited action', () => {
  const fx = useGatewayFixture();

  function open() {
    const db = openStateDb(fx.dataDir());
    fx.defer(() => db.close());
    db.exec('CREATE TABLE acted (what TEXT NOT NULL)');
    return { db, audit: new AuditLog(db), acted: () => (db.prepare('SELECT what FROM acted').all() as { what: string }[]).map((r) => r.what) };
  }

  const entry = (target: string) => ({ atMs: 1_800_000_000_000, actor: 'officer Li', action: 'alarm.ack', target, detail: { note: 'on site' } });

  it('commits the action and its entry together, and answers what the action returned', () => {
    const { db, audit, acted } = open();
    const result = audit.recorded(() => {
      db.prepare("INSERT INTO acted (what) VALUES ('ack a-1')").run();
      return { result: 'moved', entry: entry('a-1') };
    });
    expect(result).toBe('moved');
    expect(acted()).toEqual(['ack a-1']);
    expect(audit.list(10).map((e) => e.target)).toEqual(['a-1']);
    expect(audit.verify()).toEqual({ ok: true, checked: 1, brokenAt: null });
  });

  it('records nothing and undoes the action when the action refuses halfway', () => {
    const { db, audit, acted } = open();
    expect(() =>
      audit.recorded(() => {
        db.prepare("INSERT INTO acted (what) VALUES ('half an ack')").run();
        throw new Error('ALREADY_ACKED');
      }),
    ).toThrow('ALREADY_ACKED');
    expect(acted()).toEqual([]);
    expect(audit.list(10)).toEqual([]);
  });
});
