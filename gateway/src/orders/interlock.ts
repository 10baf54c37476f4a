// Carries out stop-work orders (停产停工令): issues one for a site on a red alarm whose rule asks
// for it, publishes the retained site order, commands each actuator, matches their cmd/ack,
// resends on timeout, escalates what never confirms, and re-enforces every open order at start.

import { randomUUID } from 'node:crypto';
import type { DeviceId, SiteId } from '../contract/ids.js';
import type { Topics } from '../contract/topics.js';
import { commandAckSchema, parseJson, type Command, type SiteOrder } from '../contract/command.js';
import { LEVEL_ZH } from '../contract/levels.js';
import { QUANTITY_INFO, type Quantity } from '../config/quantities.js';
import type { Alarm } from '../alarms/lifecycle.js';
import type { AlarmService } from '../alarms/service.js';
import type { Ingress } from '../ingest/ingress.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { OrderRepository } from './repository.js';
import { DEVICE_CHANNEL } from '../detect/fault.js';
import { actionFor, issueOrder, liftOrder, onCommandAck, onTick, resumeAfterRestart, type OrderCommand, type OrderEffect, type OrderOutcome, type RetryPolicy, type StopWorkOrder } from './stop-work.js';

/** Rule id of an actuator's own alarm when it does not confirm the safe state. */
export const ACTUATOR_RULE = 'actuator:unconfirmed';

export interface Actuator {
  readonly device: string;
  readonly kind: 'valve' | 'fan';
}

export interface InterlockDeps {
  readonly repo: OrderRepository;
  readonly alarms: AlarmService;
  readonly ingress: Ingress;
  readonly topics: Topics;
  readonly actuators: ReadonlyMap<string, readonly Actuator[]>;
  readonly policy: RetryPolicy;
  readonly clock: () => number;
  readonly events: EventBus;
  readonly log: Logger;
}

export class Interlock {
  private readonly active = new Map<string, StopWorkOrder>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: InterlockDeps) {
    // Loaded before any reading arrives, so a red reading at start joins the open order.
    for (const order of deps.repo.active()) this.active.set(order.id, order);
  }

  async start(): Promise<void> {
    const { ingress, topics, clock, policy } = this.deps;
    await ingress.subscribe(topics.filters.cmdAck, (topic, payload) => this.onAck(topic, payload));
    for (const order of [...this.active.values()]) {
      // aedes forgets retained messages on restart: publish the order again and re-send what no
      // actuator confirmed (DESIGN.md, Taking a reading).
      this.apply(resumeAfterRestart(order, clock()), 'republished');
    }
    const every = Math.max(50, Math.min(500, Math.floor(policy.ackTimeoutMs / 4)));
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (err) {
        // A timer that throws would end the process: say it and retry on the next tick.
        this.deps.log.error({ err }, 'stop-work retry tick failed');
      }
    }, every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  activeOrder(site: string): StopWorkOrder | undefined {
    for (const order of this.active.values()) if (order.site === site) return order;
    return undefined;
  }

  /** Called for every alarm a red stop-work transition moved; one order per site at a time. */
  onStopWork(alarm: Alarm): StopWorkOrder {
    const existing = this.activeOrder(alarm.site);
    if (existing) return existing;
    const info = QUANTITY_INFO[alarm.quantity as Quantity];
    const reason = `${LEVEL_ZH[alarm.level]}预警 ${info?.zh ?? alarm.quantity} ${alarm.value} ${info?.unit ?? ''} (${alarm.device}/${alarm.channel}) — 停产停工`;
    const actuators = (this.deps.actuators.get(alarm.site) ?? []).map((a) => ({ commandId: randomUUID(), device: a.device, action: actionFor(a.kind) }));
    const outcome = issueOrder({ id: randomUUID(), site: alarm.site, alarmId: alarm.id, reason, atMs: this.deps.clock(), actuators });
    this.deps.log.warn({ site: alarm.site, orderId: outcome.next.id, alarmId: alarm.id, actuators: actuators.length }, 'stop-work order issued');
    this.apply(outcome, 'issued');
    return outcome.next;
  }

  /** An officer lifts an order; refused while the site has an active orange or red alarm. */
  lift(orderId: string, by: string, note: string): OrderOutcome | undefined {
    const order = this.active.get(orderId) ?? this.deps.repo.get(orderId);
    if (!order) return undefined;
    // An actuator that never confirmed does not block the lift: an officer confirmed the site in
    // person, and re-opening gas stays a manual act there.
    const activeAlarmLevels = this.deps.alarms.activeLevels(order.site, (a) => a.ruleId === ACTUATOR_RULE);
    const outcome = liftOrder(order, { by, note, atMs: this.deps.clock(), activeAlarmLevels });
    if (!outcome.rejected) this.apply(outcome, 'lifted');
    return outcome;
  }

  private tick(): void {
    const now = this.deps.clock();
    for (const order of [...this.active.values()]) {
      const outcome = onTick(order, now, this.deps.policy);
      if (outcome.effects.length > 0) this.apply(outcome);
    }
  }

  private onAck(topic: string, payload: Buffer): void {
    const { topics, log, clock } = this.deps;
    const parsed = topics.parse(topic);
    if (!parsed.ok || parsed.topic.kind !== 'cmd_ack') return;
    const ack = parseJson(commandAckSchema, payload);
    const device = parsed.topic.device;
    if (!ack.ok) {
      log.warn({ site: parsed.topic.site, device, reason: ack.reason }, 'malformed cmd/ack ignored');
      return;
    }
    for (const order of this.active.values()) {
      const command = order.commands.find((c) => c.id === ack.value.id);
      if (!command) continue;
      if (order.site !== parsed.topic.site || command.device !== device) {
        log.warn({ site: parsed.topic.site, device, commandId: ack.value.id }, 'cmd/ack from a device the command was not sent to');
        return;
      }
      this.apply(onCommandAck(order, { commandId: ack.value.id, ok: ack.value.ok, state: ack.value.state, atMs: clock() }));
      return;
    }
    log.debug({ device, commandId: ack.value.id }, 'cmd/ack for no active order');
  }

  /** Persist first, then act: a crash between the two re-sends at start, never forgets. */
  private apply(outcome: OrderOutcome, what?: 'issued' | 'republished' | 'lifted'): void {
    const order = outcome.next;
    const before = this.active.get(order.id);
    this.deps.repo.save(order);
    if (order.state === 'active') this.active.set(order.id, order);
    else this.active.delete(order.id);
    if (what) this.deps.events.emit('order', { order, what });
    for (const effect of outcome.effects) this.carryOut(order, effect);
    // Acks change a command without an effect: tell observers all the same.
    if (before) {
      for (const command of order.commands) {
        const old = before.commands.find((c) => c.id === command.id);
        if (old && old.state !== command.state && (command.state === 'acked' || command.state === 'failed')) {
          this.deps.events.emit('command', { order, command, what: command.state });
          if (command.state === 'acked') this.actuatorAlarm(order, command, null);
        }
      }
    }
  }

  /**
   * An actuator that refuses or never confirms its stop-work command raises its own red alarm
   * (issue 3: the gas may still flow); its later confirmation clears it.
   */
  private actuatorAlarm(order: StopWorkOrder, command: OrderCommand, to: 'red' | null): void {
    const origin = this.deps.alarms.get(order.alarmId);
    this.deps.alarms.onTransition({
      kind: 'level',
      site: order.site as SiteId,
      device: command.device as DeviceId,
      channel: DEVICE_CHANNEL,
      quantity: (origin?.quantity ?? 'methane_lel') as Quantity,
      ruleId: ACTUATOR_RULE,
      from: to === null ? 'red' : null,
      to,
      value: command.attempts,
      atMs: this.deps.clock(),
      stopWork: false,
    });
  }

  private carryOut(order: StopWorkOrder, effect: OrderEffect): void {
    const { ingress, topics, log, events } = this.deps;
    const site = order.site as SiteId;
    const fail = (err: unknown) => log.error({ err, site, orderId: order.id, effect: effect.kind }, 'stop-work effect failed to publish');
    switch (effect.kind) {
      case 'publish_order': {
        const message: SiteOrder = {
          state: effect.order.state,
          orderId: effect.order.id,
          reason: effect.order.reason,
          issuedAt: effect.order.issuedAtMs,
          ...(effect.order.liftedAtMs !== null ? { liftedAt: effect.order.liftedAtMs } : {}),
        };
        ingress.publish(topics.order(site), JSON.stringify(message), { qos: 1, retain: true }).catch(fail);
        return;
      }
      case 'send_command': {
        const command: Command = { id: effect.command.id, action: effect.command.action, reason: order.reason, ts: this.deps.clock() };
        const target = topics.cmd({ site, device: effect.command.device as DeviceId });
        ingress.publish(target, JSON.stringify(command), { qos: 1, retain: false }).catch(fail);
        events.emit('command', { order, command: effect.command, what: 'sent' });
        return;
      }
      case 'command_unconfirmed':
        log.error({ site, orderId: order.id, device: effect.command.device, attempts: effect.command.attempts }, 'actuator never confirmed the stop-work command');
        events.emit('command', { order, command: effect.command, what: 'unconfirmed' });
        this.actuatorAlarm(order, effect.command, 'red');
        return;
      case 'command_failed':
        log.error({ site, orderId: order.id, device: effect.command.device, result: effect.command.result }, 'actuator refused the stop-work command');
        this.actuatorAlarm(order, effect.command, 'red');
        return;
    }
  }
}
