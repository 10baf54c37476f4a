// Stop-work orders, their actuator commands and their audit trail (order_event) in the state
// database, saved whole in one transaction after every move of the state machine.

import type { Scope } from '../contract/scope.js';
import { namedScopeSql } from '../registry/scope-named.js';
import type { Db } from '../store/sqlite.js';
import { migrateModule } from '../store/sqlite.js';
import type { Action } from '../contract/command.js';
import type { CommandState, OrderCommand, OrderEvent, OrderEventKind, OrderState, ReadBack, StopWorkOrder } from './stop-work.js';

/** Append-only (store/sqlite.ts migrateModule): the lifecycle steps after the skeleton's tables. */
const ORDER_MIGRATIONS = [
  `ALTER TABLE stop_work_order ADD COLUMN confirmed_at_ms INTEGER;
   ALTER TABLE stop_work_order ADD COLUMN rectified_at_ms INTEGER;
   ALTER TABLE stop_work_order ADD COLUMN rectified_by TEXT;
   ALTER TABLE stop_work_order ADD COLUMN rectification_note TEXT;
   ALTER TABLE stop_work_order ADD COLUMN inspected_at_ms INTEGER;
   ALTER TABLE stop_work_order ADD COLUMN inspected_by TEXT;
   ALTER TABLE stop_work_order ADD COLUMN inspection_note TEXT;
   ALTER TABLE order_command ADD COLUMN position TEXT;
   ALTER TABLE order_command ADD COLUMN position_at_ms INTEGER;
   ALTER TABLE order_command ADD COLUMN read_back TEXT;
   CREATE TABLE order_event (
     id INTEGER PRIMARY KEY,
     order_id TEXT NOT NULL REFERENCES stop_work_order (id),
     kind TEXT NOT NULL,
     actor TEXT,
     note TEXT,
     device TEXT,
     at_ms INTEGER NOT NULL
   );
   CREATE INDEX order_event_by_order ON order_event (order_id);`,
  // The manual gas test a lift relied on while a detector of the site was blind (sign-off.ts).
  `ALTER TABLE stop_work_order ADD COLUMN gas_test_by TEXT;
   ALTER TABLE stop_work_order ADD COLUMN gas_test_instrument TEXT;
   ALTER TABLE stop_work_order ADD COLUMN gas_test_reading REAL;
   ALTER TABLE stop_work_order ADD COLUMN gas_test_unit TEXT;
   ALTER TABLE stop_work_order ADD COLUMN gas_test_at_ms INTEGER;`,
  // An actuator of another site that obeys this site's orders (config: devices[].obeys).
  `ALTER TABLE order_command ADD COLUMN site TEXT;`,
];

interface OrderRow {
  id: string;
  site: string;
  state: OrderState;
  reason: string;
  alarm_id: string;
  issued_at_ms: number;
  confirmed_at_ms: number | null;
  rectified_at_ms: number | null;
  rectified_by: string | null;
  rectification_note: string | null;
  inspected_at_ms: number | null;
  inspected_by: string | null;
  inspection_note: string | null;
  lifted_at_ms: number | null;
  lifted_by: string | null;
  lift_note: string | null;
  gas_test_by: string | null;
  gas_test_instrument: string | null;
  gas_test_reading: number | null;
  gas_test_unit: string | null;
  gas_test_at_ms: number | null;
}

interface CommandRow {
  id: string;
  device: string;
  site: string | null;
  action: Action;
  state: CommandState;
  attempts: number;
  last_sent_at_ms: number | null;
  acked_at_ms: number | null;
  result: string | null;
  position: string | null;
  position_at_ms: number | null;
  read_back: ReadBack | null;
}

interface EventRow {
  id: number;
  order_id: string;
  kind: OrderEventKind;
  actor: string | null;
  note: string | null;
  device: string | null;
  at_ms: number;
}

export interface StoredOrderEvent extends OrderEvent {
  id: number;
}

export class OrderRepository {
  private readonly saveTx;
  private readonly insertEvent;
  private readonly commandsOf;
  private readonly eventsOf;

  constructor(private readonly db: Db) {
    migrateModule(db, 'orders', ORDER_MIGRATIONS);
    const upsertOrder = db.prepare(
      `INSERT INTO stop_work_order (id, site, state, reason, alarm_id, issued_at_ms, confirmed_at_ms, rectified_at_ms, rectified_by,
         rectification_note, inspected_at_ms, inspected_by, inspection_note, lifted_at_ms, lifted_by, lift_note,
         gas_test_by, gas_test_instrument, gas_test_reading, gas_test_unit, gas_test_at_ms)
       VALUES (@id, @site, @state, @reason, @alarmId, @issuedAtMs, @confirmedAtMs, @rectifiedAtMs, @rectifiedBy,
         @rectificationNote, @inspectedAtMs, @inspectedBy, @inspectionNote, @liftedAtMs, @liftedBy, @liftNote,
         @gasTestBy, @gasTestInstrument, @gasTestReading, @gasTestUnit, @gasTestAtMs)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, confirmed_at_ms = excluded.confirmed_at_ms,
         rectified_at_ms = excluded.rectified_at_ms, rectified_by = excluded.rectified_by, rectification_note = excluded.rectification_note,
         inspected_at_ms = excluded.inspected_at_ms, inspected_by = excluded.inspected_by, inspection_note = excluded.inspection_note,
         lifted_at_ms = excluded.lifted_at_ms, lifted_by = excluded.lifted_by, lift_note = excluded.lift_note,
         gas_test_by = excluded.gas_test_by, gas_test_instrument = excluded.gas_test_instrument, gas_test_reading = excluded.gas_test_reading,
         gas_test_unit = excluded.gas_test_unit, gas_test_at_ms = excluded.gas_test_at_ms`,
    );
    const upsertCommand = db.prepare(
      `INSERT INTO order_command (id, order_id, device, site, action, state, attempts, last_sent_at_ms, acked_at_ms, result, position, position_at_ms, read_back)
       VALUES (@id, @orderId, @device, @site, @action, @state, @attempts, @lastSentAtMs, @ackedAtMs, @result, @position, @positionAtMs, @readBack)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, attempts = excluded.attempts,
         last_sent_at_ms = excluded.last_sent_at_ms, acked_at_ms = excluded.acked_at_ms, result = excluded.result,
         position = excluded.position, position_at_ms = excluded.position_at_ms, read_back = excluded.read_back`,
    );
    this.insertEvent = db.prepare('INSERT INTO order_event (order_id, kind, actor, note, device, at_ms) VALUES (@orderId, @kind, @actor, @note, @device, @atMs)');
    this.saveTx = db.transaction((order: StopWorkOrder, events: readonly OrderEvent[]) => {
      const { commands, manualGasTest: t, ...row } = order;
      upsertOrder.run({
        ...row,
        gasTestBy: t?.by ?? null,
        gasTestInstrument: t?.instrument ?? null,
        gasTestReading: t?.reading ?? null,
        gasTestUnit: t?.unit ?? null,
        gasTestAtMs: t?.atMs ?? null,
      });
      for (const c of commands) upsertCommand.run({ ...c, site: c.site ?? null, orderId: order.id });
      for (const e of events) this.insertEvent.run(e);
    });
    this.commandsOf = db.prepare('SELECT * FROM order_command WHERE order_id = ? ORDER BY rowid');
    this.eventsOf = db.prepare('SELECT * FROM order_event WHERE order_id = ? ORDER BY id');
  }

  /** The order and the audit events of the move that produced it, in one transaction. */
  save(order: StopWorkOrder, events: readonly OrderEvent[] = []): void {
    this.saveTx(order, events);
  }

  /** An audit event that changed nothing in the order (a refused step). */
  recordEvent(event: OrderEvent): void {
    this.insertEvent.run(event);
  }

  /** The order's audit trail, oldest first. */
  events(orderId: string): StoredOrderEvent[] {
    return (this.eventsOf.all(orderId) as EventRow[]).map((r) => ({ id: r.id, orderId: r.order_id, kind: r.kind, actor: r.actor, note: r.note, device: r.device, atMs: r.at_ms }));
  }

  get(id: string): StopWorkOrder | undefined {
    const row = this.db.prepare('SELECT * FROM stop_work_order WHERE id = ?').get(id) as OrderRow | undefined;
    return row ? this.hydrate(row) : undefined;
  }

  /** Orders in force, oldest first: republished and re-enforced at every start. */
  active(): StopWorkOrder[] {
    return (this.db.prepare("SELECT * FROM stop_work_order WHERE state = 'active' ORDER BY issued_at_ms").all() as OrderRow[]).map((r) =>
      this.hydrate(r),
    );
  }

  /** Orders newest first, of one site and/or one state; the filter is in the SQL, never in a loop. */
  list(filter: { readonly site?: string | undefined; readonly state?: StopWorkOrder['state'] | undefined; readonly limit: number; readonly scope?: Scope | undefined }): StopWorkOrder[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit };
    if (filter.site !== undefined) (where.push('site = @site'), (params.site = filter.site));
    if (filter.state !== undefined) (where.push('state = @state'), (params.state = filter.state));
    // The caller's scope is a condition of the query: the newest N are the newest N it may see.
    if (filter.scope !== undefined && filter.scope.kind !== 'all') where.push(namedScopeSql(filter.scope, 'stop_work_order.site', params));
    const rows = this.db
      .prepare(`SELECT * FROM stop_work_order ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY issued_at_ms DESC, rowid DESC LIMIT @limit`)
      .all(params) as OrderRow[];
    return rows.map((r) => this.hydrate(r));
  }

  /** The site's newest order, in force or lifted. */
  latestForSite(site: string): StopWorkOrder | undefined {
    const row = this.db.prepare('SELECT * FROM stop_work_order WHERE site = ? ORDER BY issued_at_ms DESC, rowid DESC LIMIT 1').get(site) as
      | OrderRow
      | undefined;
    return row ? this.hydrate(row) : undefined;
  }

  private hydrate(r: OrderRow): StopWorkOrder {
    const commands = (this.commandsOf.all(r.id) as CommandRow[]).map(
      (c): OrderCommand => ({
        id: c.id,
        device: c.device,
        ...(c.site !== null ? { site: c.site } : {}),
        action: c.action,
        state: c.state,
        attempts: c.attempts,
        lastSentAtMs: c.last_sent_at_ms,
        ackedAtMs: c.acked_at_ms,
        result: c.result,
        position: c.position,
        positionAtMs: c.position_at_ms,
        // A command acked before read-back existed was confirmed by its ack alone.
        readBack: c.read_back ?? (c.state === 'acked' ? 'not_reported' : null),
      }),
    );
    return {
      id: r.id,
      site: r.site,
      state: r.state,
      reason: r.reason,
      alarmId: r.alarm_id,
      issuedAtMs: r.issued_at_ms,
      confirmedAtMs: r.confirmed_at_ms,
      rectifiedAtMs: r.rectified_at_ms,
      rectifiedBy: r.rectified_by,
      rectificationNote: r.rectification_note,
      inspectedAtMs: r.inspected_at_ms,
      inspectedBy: r.inspected_by,
      inspectionNote: r.inspection_note,
      liftedAtMs: r.lifted_at_ms,
      liftedBy: r.lifted_by,
      liftNote: r.lift_note,
      manualGasTest:
        r.gas_test_at_ms === null
          ? null
          : { by: r.gas_test_by ?? '', instrument: r.gas_test_instrument ?? '', reading: r.gas_test_reading ?? Number.NaN, unit: r.gas_test_unit ?? '', atMs: r.gas_test_at_ms },
      commands,
    };
  }
}
