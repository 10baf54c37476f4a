// The audit log: every officer and admin action through the API leaves one chained entry in the
// same transaction; the chain verifies; and a row edited in the SQLite file with another
// connection (triggers dropped, as a tamperer would) is found by verify, by id.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, entryHash, GENESIS_HASH } from '../../../gateway/src/audit/audit-log.js';
import { canonicalJson } from '../../../gateway/src/audit/canonical-json.js';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { DEMO_SITE } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';
import { call, NAMES, startApiGateway } from './helpers.js';
import { levelTransition } from '../../support/transitions.js';
import type { RunningGateway } from '../../support/fixture.js';

describe('audit log', () => {
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let g: RunningGateway;

  beforeAll(async () => {
    env = await startApiGateway();
    g = env.gateway;
  });
  afterAll(async () => {
    await env?.stop();
  });

  function yellowAlarm(): string {
    return g.alarms.onTransition(levelTransition({ site: DEMO_SITE, device: 'gas-01', channel: 'co', quantity: 'co_ppm', ruleId: 'kitchen-co', from: null, to: 'yellow', value: 60, atMs: Date.now(), stopWork: false }))!.id;
  }

  it('records each action once, chained, and verifies the chain', async () => {
    const id = yellowAlarm();
    expect((await call(g, 'officer', { method: 'POST', url: `/api/v1/alarms/${id}/ack`, payload: { note: 'seen' } })).statusCode).toBe(200);
    // A refused move records nothing.
    expect((await call(g, 'officer', { method: 'POST', url: `/api/v1/alarms/${id}/ack` })).statusCode).toBe(409);
    expect((await call(g, 'officer', { method: 'POST', url: `/api/v1/alarms/${id}/shelve`, payload: { reason: 'sensor swap', minutes: 15 } })).statusCode).toBe(200);
    expect((await call(g, 'admin', { method: 'POST', url: '/api/v1/tokens', payload: { name: 'night shift', role: 'officer' } })).statusCode).toBe(200);

    const res = await call(g, 'admin', { method: 'GET', url: '/api/v1/audit' });
    expect(res.statusCode).toBe(200);
    const entries = (res.json() as { entries: { id: number; actor: string; action: string; target: string; detail: Record<string, unknown>; prevHash: string; hash: string }[] }).entries;
    expect(entries.map((e) => [e.action, e.actor, e.target])).toEqual([
      ['token.create', NAMES.admin, 'night shift'],
      ['alarm.shelve', NAMES.officer, id],
      ['alarm.ack', NAMES.officer, id],
      // The first start wrote the file's sites to the fleet registry, audited like any other write.
      ['config.apply', 'config', 'fleet'],
    ]);
    expect(entries[2]!.detail).toMatchObject({ note: 'seen', role: 'officer', state: 'active_acked' });
    expect(JSON.stringify(entries)).not.toContain('sb_');
    // Newest first; each links to the one before it.
    expect(entries[0]!.prevHash).toBe(entries[1]!.hash);
    expect(entries[1]!.prevHash).toBe(entries[2]!.hash);
    expect(entries[2]!.prevHash).toBe(entries[3]!.hash);
    expect(entries[3]!.prevHash).toBe(GENESIS_HASH);

    const page = await call(g, 'admin', { method: 'GET', url: '/api/v1/audit?limit=2' });
    const next = (page.json() as { nextCursor: string }).nextCursor;
    expect(next).toBe(String(entries[1]!.id));
    const rest = await call(g, 'admin', { method: 'GET', url: `/api/v1/audit?limit=2&cursor=${next}` });
    expect((rest.json() as { entries: { id: number }[]; nextCursor: null }).entries.map((e) => e.id)).toEqual([entries[2]!.id, entries[3]!.id]);

    const verify = await call(g, 'admin', { method: 'GET', url: '/api/v1/audit/verify' });
    expect(verify.json()).toEqual({ ok: true, checked: 4, brokenAt: null });
  });

  it('finds a row edited in the SQLite file, and refuses edits through the gateway', async () => {
    const before = (await call(g, 'admin', { method: 'GET', url: '/api/v1/audit/verify' })).json() as { checked: number };
    expect(before.checked).toBeGreaterThanOrEqual(3);
    const file = join(env.dir.path, 'state.db');
    const tamper = new Database(file);
    try {
      expect(() => tamper.prepare("UPDATE audit_log SET actor = 'nobody' WHERE id = 2").run()).toThrow(/append-only/);
      expect(() => tamper.prepare('DELETE FROM audit_log WHERE id = 2').run()).toThrow(/append-only/);
      tamper.exec('DROP TRIGGER audit_log_no_update');
      tamper.prepare(`UPDATE audit_log SET detail = json_set(detail, '$.note', 'never seen') WHERE id = 2`).run();
    } finally {
      tamper.close();
    }
    const after = await call(g, 'admin', { method: 'GET', url: '/api/v1/audit/verify' });
    expect(after.json()).toEqual({ ok: false, checked: 1, brokenAt: 2 });
  });

  it('finds a deleted row by the gap it leaves, and a forged hash by its link', () => {
    const dir = tempDir();
    const db = openStateDb(dir.path);
    try {
      const log = new AuditLog(db);
      for (let i = 1; i <= 5; i++) log.append({ atMs: 1000 + i, actor: 'officer Li', action: 'alarm.ack', target: `a-${i}`, detail: { n: i } });
      expect(log.verify()).toEqual({ ok: true, checked: 5, brokenAt: null });
      db.exec('DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_no_update');
      db.prepare('DELETE FROM audit_log WHERE id = 3').run();
      expect(log.verify()).toEqual({ ok: false, checked: 2, brokenAt: 4 });
      // Recomputing the edited row's own hash does not help: the next row's link breaks.
      const row2 = db.prepare('SELECT * FROM audit_log WHERE id = 2').get() as { prev_hash: string; at_ms: number };
      const forged = entryHash(row2.prev_hash, { id: 2, atMs: row2.at_ms, actor: 'officer Li', action: 'alarm.ack', target: 'a-2', detail: { n: 99 } });
      db.prepare('UPDATE audit_log SET detail = ?, hash = ? WHERE id = 2').run(canonicalJson({ n: 99 }), forged);
      expect(log.verify()).toEqual({ ok: false, checked: 2, brokenAt: 4 });
      db.prepare('INSERT INTO audit_log SELECT 3, at_ms, actor, action, target, detail, prev_hash, hash FROM audit_log WHERE id = 4').run();
      expect(log.verify().brokenAt).toBe(3);
    } finally {
      db.close();
      dir.remove();
    }
  });
});
