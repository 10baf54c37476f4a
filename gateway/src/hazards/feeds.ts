// What the rest of the gateway finds, kept in the ledger (隐患台账) so nothing is lost between
// modules: a red alarm closed with its rectification note (整改说明), a stop-work order's
// rectification step (整改), and a device past its replace-by day (CJJ/T 146-2011 service lives)
// each create a hazard record or join the one they belong to. Every feed is idempotent: the same
// alarm, order or device due date makes one record, however often it is told. The alarm's closure
// is fed inside its own save transaction; orders are observed on the event bus after they are
// saved; due devices are looked for at start and hourly.

import { alarmText } from '../contract/alarm-text.js';
import { ALL_SCOPE } from '../contract/scope.js';
import type { Alarm, AlarmEvent } from '../alarms/lifecycle.js';
import type { AlarmRepository } from '../alarms/repository.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { StopWorkOrder } from '../orders/stop-work.js';
import type { OrderRepository } from '../orders/repository.js';
import type { DueReplacements, Fleet } from '../registry/fleet.js';
import { localDateOf } from './deadline.js';
import type { HazardCategory } from './hazard-types.js';
import type { HazardLedger, LedgerActor, LedgerMove } from './ledger.js';
import type { HazardRepository } from './repository.js';

/** The gateway registers what its own modules found; the officer who acted is named in the description. */
const GATEWAY: LedgerActor = { name: 'gateway' };
const HOUR_MS = 3_600_000;
const PAGE = 500;

export interface HazardFeedDeps {
  /**
   * The alarms' save hook (AlarmRepository.onSave): a red alarm's closure makes its record in the
   * transaction that saves the closure, so a crash between the two cannot lose the hazard.
   */
  readonly alarmSaves: Pick<AlarmRepository, 'onSave'>;
  readonly ledger: HazardLedger;
  readonly repo: HazardRepository;
  readonly events: EventBus;
  readonly orders: Pick<OrderRepository, 'list'>;
  readonly fleet: Pick<Fleet, 'site'> & DueReplacements;
  readonly clock: () => number;
  readonly log: Logger;
  /** How often devices past their replace-by day are looked for; hourly by default. */
  readonly replacementEveryMs?: number;
}

function categoryOf(quantity: string): HazardCategory {
  if (quantity.startsWith('methane') || quantity.startsWith('propane') || quantity.includes('lel') || quantity === 'co_ppm' || quantity === 'h2s_ppm') return 'gas_leak';
  if (quantity.startsWith('water')) return 'water_level';
  if (quantity.startsWith('temperature')) return 'temperature';
  return 'other';
}

export class HazardFeeds {
  private readonly off: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;

  /** Hooks into the alarms' saves at once: built before any alarm is saved (the repository refuses a late hook). */
  constructor(private readonly d: HazardFeedDeps) {
    // A hazard that cannot be made is logged; the alarm's closure is saved regardless (its failed
    // savepoint is rolled back alone).
    this.off.push(
      d.alarmSaves.onSave((alarm, events) => {
        for (const event of events) if (event.kind === 'closed') this.guard(() => this.onAlarm(alarm, event), { alarmId: alarm.id, site: alarm.site });
      }),
    );
  }

  start(): void {
    this.off.push(
      this.d.events.on('order', ({ order, what }) => {
        if (what === 'rectified') this.guard(() => this.onOrderRectified(order), { orderId: order.id, site: order.site });
      }),
    );
    this.guard(() => this.dueDevices(this.d.clock()), {});
    this.timer = setInterval(() => this.guard(() => this.dueDevices(this.d.clock()), {}), this.d.replacementEveryMs ?? HOUR_MS);
    this.timer.unref();
  }

  stop(): void {
    for (const off of this.off.splice(0)) off();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * A red alarm closed with its rectification note. An alarm whose stop-work order already made a
   * record joins that record's trail instead of making a second one for the same incident.
   */
  onAlarm(alarm: Alarm, event: AlarmEvent): LedgerMove | undefined {
    if (event.kind !== 'closed' || alarm.peakLevel !== 'red' || alarm.closeNote === null) return undefined;
    const note = `${alarm.closedBy ?? '?'}: ${alarm.closeNote}`;
    if (this.d.repo.bySource('alarm', alarm.id) !== undefined) return undefined;
    const order = this.d.orders.list({ site: alarm.site, limit: 50 }).find((o) => o.alarmId === alarm.id);
    const fromOrder = order ? this.d.repo.bySource('stop_work_order', order.id) : undefined;
    if (fromOrder !== undefined) return this.d.ledger.act(fromOrder.id, { kind: 'note_source', note: `alarm ${alarm.id} closed: ${note}` }, GATEWAY);
    const cause = alarmText(alarm, 'zh').cause;
    return this.d.ledger.registerOnce(
      {
        site: alarm.site,
        source: 'alarm',
        sourceRef: alarm.id,
        category: categoryOf(alarm.quantity),
        description: `${cause}；整改说明 ${note}`,
        location: `${alarm.device}/${alarm.channel}`,
        foundBy: 'gateway',
        foundAtMs: alarm.raisedAtMs,
        ...(order ? { stopWorkOrderId: order.id } : {}),
      },
      GATEWAY,
    );
  }

  /** A stop-work order's rectification: the record of its alarm gains the order, or the order makes one. */
  onOrderRectified(order: StopWorkOrder): LedgerMove | undefined {
    const note = `${order.rectifiedBy ?? '?'}: ${order.rectificationNote ?? ''}`;
    const fromAlarm = this.d.repo.bySource('alarm', order.alarmId);
    if (fromAlarm !== undefined) {
      const linked = this.d.ledger.act(fromAlarm.id, { kind: 'link_order', orderId: order.id }, GATEWAY);
      // A record already tied to another order keeps it; the rectification still joins the trail.
      if (!linked.ok && linked.rejected !== 'ORDER_ALREADY_LINKED') return linked;
      return this.d.ledger.act(fromAlarm.id, { kind: 'note_source', note: `order ${order.id} rectified: ${note}` }, GATEWAY);
    }
    return this.d.ledger.registerOnce(
      {
        site: order.site,
        source: 'stop_work_order',
        sourceRef: order.id,
        category: 'gas_leak',
        description: `${order.reason}；整改 ${note}`,
        location: order.commands.map((c) => c.device).join(', ') || order.site,
        foundBy: 'gateway',
        foundAtMs: order.issuedAtMs,
        stopWorkOrderId: order.id,
      },
      GATEWAY,
    );
  }

  /**
   * Devices whose replace-by day has come where they stand (the site's calendar), one record per
   * device and due day: a device given a new replace-by day after its replacement makes a new one
   * when that day comes. Returns the records made.
   */
  dueDevices(nowMs: number): number {
    // The latest calendar date anywhere: the site's own date decides below.
    const onOrBefore = localDateOf(nowMs, 'Etc/GMT-14');
    let made = 0;
    let after: { replaceBy: string; site: string; device: string } | undefined;
    do {
      const page = this.d.fleet.dueForReplacement(onOrBefore, ALL_SCOPE, { limit: PAGE, ...(after ? { after } : {}) });
      for (const due of page.items) {
        const site = this.d.fleet.site(due.site);
        if (site === undefined || due.replaceBy > localDateOf(nowMs, site.timezone)) continue;
        const move = this.d.ledger.registerOnce(
          {
            site: due.site,
            source: 'device_replacement',
            sourceRef: `${due.site}/${due.device.id}@${due.replaceBy}`,
            category: 'detector',
            description: `${due.device.kind} ${due.device.id} 已到更换期限 ${due.replaceBy}（CJJ/T 146-2011 使用年限）device past its replace-by day`,
            location: due.device.id,
            foundBy: 'gateway',
            foundAtMs: nowMs,
          },
          GATEWAY,
        );
        if (move.ok && move.created) made++;
        else if (!move.ok) this.d.log.warn({ site: due.site, device: due.device.id, rejected: move.rejected, detail: move.detail }, 'a device due for replacement made no hazard record');
      }
      after = page.next;
    } while (after !== undefined);
    if (made > 0) this.d.log.info({ made }, 'devices past their replace-by day entered in the hazard ledger');
    return made;
  }

  /** A feed that fails is logged and leaves the module that told it untouched (an observer of the bus). */
  private guard(run: () => unknown, fields: Record<string, unknown>): void {
    try {
      const out = run() as LedgerMove | undefined;
      if (out !== undefined && typeof out === 'object' && 'ok' in out && !out.ok) this.d.log.warn({ ...fields, rejected: out.rejected, detail: out.detail }, 'a finding made no hazard record');
    } catch (err) {
      this.d.log.error({ err, ...fields }, 'hazard feed failed');
    }
  }
}
