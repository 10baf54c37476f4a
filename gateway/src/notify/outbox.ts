// The notification outbox in the state database: one row per (alarm step, recipient, channel),
// written in the transaction that saves the alarm move (AlarmRepository.onSave), then sent at
// least once by the delivery worker. The idempotency key makes a second write of the same step
// a no-op and lets a deduplicating receiver show each notification once.

import type { Scope } from '../contract/scope.js';
import { namedScopeSql } from '../registry/scope-named.js';
import type { Db } from '../store/sqlite.js';
import { migrateModule } from '../store/sqlite.js';

const MIGRATIONS = [
  `CREATE TABLE notify_outbox (
     id INTEGER PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     alarm_id TEXT,
     event_id INTEGER,
     kind TEXT NOT NULL,
     level TEXT,
     recipient TEXT NOT NULL,
     channel TEXT NOT NULL,
     address TEXT,
     title TEXT NOT NULL,
     body TEXT NOT NULL,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_at_ms INTEGER NOT NULL,
     last_error TEXT,
     created_at_ms INTEGER NOT NULL,
     sent_at_ms INTEGER
   );
   CREATE INDEX notify_outbox_due ON notify_outbox (state, next_at_ms);
   CREATE INDEX notify_outbox_by_alarm ON notify_outbox (alarm_id);`,
];

export type OutboxState = 'pending' | 'sent' | 'failed';

/** What a row carries besides its bookkeeping: the rendered message, sent as is. */
export interface OutboxBody {
  text: string;
  markdown: string;
  html: string;
  link: string;
  data: Record<string, unknown>;
}

export interface NewNotification {
  key: string;
  alarmId: string | null;
  eventId: number | null;
  /** raised | escalated | cleared | escalation | reminder | briefing */
  kind: string;
  level: string | null;
  recipient: string;
  channel: string;
  address: string | null;
  title: string;
  body: OutboxBody;
  atMs: number;
}

export interface OutboxRow {
  id: number;
  key: string;
  alarmId: string | null;
  eventId: number | null;
  kind: string;
  level: string | null;
  recipient: string;
  channel: string;
  address: string | null;
  title: string;
  body: OutboxBody;
  state: OutboxState;
  attempts: number;
  nextAtMs: number;
  lastError: string | null;
  createdAtMs: number;
  sentAtMs: number | null;
}

interface Row extends Omit<OutboxRow, 'body' | 'alarmId' | 'eventId' | 'nextAtMs' | 'lastError' | 'createdAtMs' | 'sentAtMs'> {
  alarm_id: string | null;
  event_id: number | null;
  body: string;
  next_at_ms: number;
  last_error: string | null;
  created_at_ms: number;
  sent_at_ms: number | null;
}

function fromRow(r: Row): OutboxRow {
  return {
    id: r.id,
    key: r.key,
    alarmId: r.alarm_id,
    eventId: r.event_id,
    kind: r.kind,
    level: r.level,
    recipient: r.recipient,
    channel: r.channel,
    address: r.address,
    title: r.title,
    body: JSON.parse(r.body) as OutboxBody,
    state: r.state,
    attempts: r.attempts,
    nextAtMs: r.next_at_ms,
    lastError: r.last_error,
    createdAtMs: r.created_at_ms,
    sentAtMs: r.sent_at_ms,
  };
}

export function notificationKey(eventId: number | string, recipient: string, channel: string): string {
  return `${eventId}:${recipient}:${channel}`;
}

export class OutboxRepository {
  private readonly insert;
  private readonly dueStmt;
  private readonly sentStmt;
  private readonly retryStmt;
  private readonly failStmt;

  constructor(private readonly db: Db) {
    migrateModule(db, 'notify', MIGRATIONS);
    this.insert = db.prepare(
      `INSERT INTO notify_outbox (key, alarm_id, event_id, kind, level, recipient, channel, address, title, body, state, attempts, next_at_ms, created_at_ms)
       VALUES (@key, @alarmId, @eventId, @kind, @level, @recipient, @channel, @address, @title, @body, 'pending', 0, @atMs, @atMs)
       ON CONFLICT (key) DO NOTHING`,
    );
    this.dueStmt = db.prepare("SELECT * FROM notify_outbox WHERE state = 'pending' AND next_at_ms <= ? ORDER BY next_at_ms, id LIMIT ?");
    this.sentStmt = db.prepare("UPDATE notify_outbox SET state = 'sent', attempts = attempts + 1, sent_at_ms = ?, last_error = NULL WHERE id = ? AND state = 'pending'");
    this.retryStmt = db.prepare("UPDATE notify_outbox SET attempts = attempts + 1, next_at_ms = ?, last_error = ? WHERE id = ? AND state = 'pending'");
    this.failStmt = db.prepare("UPDATE notify_outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'pending'");
  }

  /** Writes the rows (a key already there is skipped); returns how many are new. */
  enqueue(rows: readonly NewNotification[]): number {
    let added = 0;
    for (const r of rows) added += this.insert.run({ ...r, body: JSON.stringify(r.body) }).changes;
    return added;
  }

  due(nowMs: number, limit: number): OutboxRow[] {
    return (this.dueStmt.all(nowMs, limit) as Row[]).map(fromRow);
  }

  markSent(id: number, atMs: number): void {
    this.sentStmt.run(atMs, id);
  }

  markRetry(id: number, nextAtMs: number, error: string): void {
    this.retryStmt.run(nextAtMs, error, id);
  }

  markFailed(id: number, error: string): void {
    this.failStmt.run(error, id);
  }

  get(id: number): OutboxRow | undefined {
    const row = this.db.prepare('SELECT * FROM notify_outbox WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Notifications by state (newest first), for the API: `failed` lists what never arrived.
   * `beforeId` pages on: rows older than the last one of the previous page. */
  list(filter: { state?: OutboxState; alarmId?: string; beforeId?: number; limit: number; scope?: Scope }): OutboxRow[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit };
    // A scoped caller sees the notices of the alarms (and their orders) of his sites; a briefing,
    // of no one alarm, is for scope `all` only.
    if (filter.scope !== undefined && filter.scope.kind !== 'all') where.push(`alarm_id IN (SELECT id FROM alarm WHERE ${namedScopeSql(filter.scope, 'alarm.site', params)})`);
    if (filter.beforeId !== undefined) {
      where.push('id < @beforeId');
      params.beforeId = filter.beforeId;
    }
    if (filter.state) {
      where.push('state = @state');
      params.state = filter.state;
    }
    if (filter.alarmId) {
      where.push('alarm_id = @alarmId');
      params.alarmId = filter.alarmId;
    }
    const sql = `SELECT * FROM notify_outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as Row[]).map(fromRow);
  }

  /** A failed row back to pending, due at `atMs`, with a fresh round of attempts (an admin has
   * fixed the receiver); its last error stays until a send succeeds. False if it is not failed. */
  requeue(id: number, atMs: number): boolean {
    return this.db.prepare("UPDATE notify_outbox SET state = 'pending', attempts = 0, next_at_ms = ? WHERE id = ? AND state = 'failed'").run(atMs, id).changes === 1;
  }

  failed(limit = 100): OutboxRow[] {
    return this.list({ state: 'failed', limit });
  }

  /** Who heard of an alarm (each person and channel once): they are told when it clears. */
  audienceOf(alarmId: string): { recipient: string; channel: string; address: string | null }[] {
    return this.db
      .prepare("SELECT DISTINCT recipient, channel, address FROM notify_outbox WHERE alarm_id = ? AND kind != 'cleared' ORDER BY recipient, channel")
      .all(alarmId) as { recipient: string; channel: string; address: string | null }[];
  }

  /** Deletes sent rows older than `beforeMs`; pending and failed rows stay until dealt with. */
  pruneSent(beforeMs: number): number {
    return this.db.prepare("DELETE FROM notify_outbox WHERE state = 'sent' AND sent_at_ms < ?").run(beforeMs).changes;
  }

  hasKey(key: string): boolean {
    return this.db.prepare('SELECT 1 FROM notify_outbox WHERE key = ?').get(key) !== undefined;
  }

  counts(): Record<OutboxState, number> {
    const out: Record<OutboxState, number> = { pending: 0, sent: 0, failed: 0 };
    for (const r of this.db.prepare('SELECT state, COUNT(*) AS n FROM notify_outbox GROUP BY state').all() as { state: OutboxState; n: number }[]) out[r.state] = r.n;
    return out;
  }
}
