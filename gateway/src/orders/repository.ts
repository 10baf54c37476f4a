// Stop-work orders and their actuator commands in the state database, saved whole in one
// transaction after every move of the state machine.

import type { Db } from '../store/sqlite.js';
import type { Action } from '../contract/command.js';
import type { CommandState, OrderCommand, OrderState, StopWorkOrder } from './stop-work.js';

interface OrderRow {
  id: string;
  site: string;
  state: OrderState;
  reason: string;
  alarm_id: string;
  issued_at_ms: number;
  lifted_at_ms: number | null;
  lifted_by: string | null;
  lift_note: string | null;
}

interface CommandRow {
  id: string;
  device: string;
  action: Action;
  state: CommandState;
  attempts: number;
  last_sent_at_ms: number | null;
  acked_at_ms: number | null;
  result: string | null;
}

export class OrderRepository {
  private readonly saveTx;
  private readonly commandsOf;

  constructor(private readonly db: Db) {
    const upsertOrder = db.prepare(
      `INSERT INTO stop_work_order (id, site, state, reason, alarm_id, issued_at_ms, lifted_at_ms, lifted_by, lift_note)
       VALUES (@id, @site, @state, @reason, @alarmId, @issuedAtMs, @liftedAtMs, @liftedBy, @liftNote)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, lifted_at_ms = excluded.lifted_at_ms,
         lifted_by = excluded.lifted_by, lift_note = excluded.lift_note`,
    );
    const upsertCommand = db.prepare(
      `INSERT INTO order_command (id, order_id, device, action, state, attempts, last_sent_at_ms, acked_at_ms, result)
       VALUES (@id, @orderId, @device, @action, @state, @attempts, @lastSentAtMs, @ackedAtMs, @result)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, attempts = excluded.attempts,
         last_sent_at_ms = excluded.last_sent_at_ms, acked_at_ms = excluded.acked_at_ms, result = excluded.result`,
    );
    this.saveTx = db.transaction((order: StopWorkOrder) => {
      const { commands, ...row } = order;
      upsertOrder.run(row);
      for (const c of commands) upsertCommand.run({ ...c, orderId: order.id });
    });
    this.commandsOf = db.prepare('SELECT * FROM order_command WHERE order_id = ? ORDER BY rowid');
  }

  save(order: StopWorkOrder): void {
    this.saveTx(order);
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
        action: c.action,
        state: c.state,
        attempts: c.attempts,
        lastSentAtMs: c.last_sent_at_ms,
        ackedAtMs: c.acked_at_ms,
        result: c.result,
      }),
    );
    return {
      id: r.id,
      site: r.site,
      state: r.state,
      reason: r.reason,
      alarmId: r.alarm_id,
      issuedAtMs: r.issued_at_ms,
      liftedAtMs: r.lifted_at_ms,
      liftedBy: r.lifted_by,
      liftNote: r.lift_note,
      commands,
    };
  }
}
