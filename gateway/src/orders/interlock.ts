// Carries out stop-work orders (停产停工令): issues one for a site on a red alarm whose rule asks
// for it, publishes the retained site order, commands each actuator, matches their cmd/ack, reads
// back their position, resends on timeout, escalates what never confirms, records the officers'
// rectification, inspection and lift, and re-enforces every open order at start.

import { randomUUID } from 'node:crypto';
import type { DeviceId, SiteId } from '../contract/ids.js';
import type { Topics } from '../contract/topics.js';
import { commandAckSchema, parseJson, statusSchema, type Command, type SiteOrder } from '../contract/command.js';
import { LEVEL_ZH } from '../contract/levels.js';
import { alarmText } from '../contract/alarm-text.js';
import { ACTUATOR_POSITION_RULE, ACTUATOR_RULE } from '../contract/alarm-kind.js';
import type { Alarm } from '../alarms/lifecycle.js';
import type { AlarmService, DirectAlarm } from '../alarms/service.js';
import type { Ingress } from '../ingest/ingress.js';
import type { EventBus, GatewayEvents } from '../events.js';
import type { Logger } from '../log.js';
import type { OrderRepository } from './repository.js';
import type { Actuator, ActuatorBook } from './actuator-book.js';
import type { FleetFollower, SiteChange } from '../registry/fleet.js';
import { isHealthRule } from '../detect/health.js';
import { blindDetectors } from './sight.js';
import type { StopWorkNotice } from '../notify/suppression.js';
import {
  actionFor,
  addActuators,
  isConfirmed,
  issueOrder,
  liftOrder,
  onCommandAck,
  onPositionReport,
  onTick,
  orderEvent,
  recordInspection,
  recordRectification,
  resumeAfterRestart,
  type OrderCommand,
  type OrderEffect,
  type ManualGasTest,
  type OrderOutcome,
  type RetryPolicy,
  type StopWorkOrder,
} from './stop-work.js';

export { ACTUATOR_POSITION_RULE, ACTUATOR_RULE };

type ActuatorAlarmKind = 'actuator_unconfirmed' | 'actuator_position';

/** Alarms about the actuators themselves: they never block a lift (see `lift`). */
export function isActuatorRule(ruleId: string): boolean {
  return ruleId === ACTUATOR_RULE || ruleId === ACTUATOR_POSITION_RULE;
}

export type { Actuator };

export interface InterlockDeps {
  readonly repo: OrderRepository;
  readonly alarms: AlarmService;
  readonly ingress: Ingress;
  readonly topics: Topics;
  /** Each site's valves and fans now, following the fleet (applySites). */
  readonly actuators: ActuatorBook;
  readonly policy: RetryPolicy;
  readonly clock: () => number;
  readonly events: EventBus;
  readonly log: Logger;
}

type OrderWhat = GatewayEvents['order']['what'];
const ORDER_STEPS: ReadonlySet<string> = new Set<OrderWhat>(['issued', 'republished', 'confirmed', 'rectified', 'inspected', 'lifted']);

export class Interlock implements FleetFollower {
  private readonly active = new Map<string, StopWorkOrder>();
  /** The last position each actuator reported (`site/device`), for the read-back at ack time. */
  private readonly positions = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private watching = false;

  constructor(private readonly deps: InterlockDeps) {
    // Loaded before any reading arrives, so a red reading at start joins the open order.
    for (const order of deps.repo.active()) this.active.set(order.id, order);
  }

  async start(): Promise<void> {
    const { ingress, topics, clock, policy } = this.deps;
    await ingress.subscribe(topics.filters.cmdAck, (topic, payload) => this.onAck(topic, payload));
    for (const order of [...this.active.values()]) {
      // aedes forgets retained messages on restart: publish the order again and re-send what no
      // actuator confirmed.
      this.apply(resumeAfterRestart(order, clock()));
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

  /**
   * Subscribes to device statuses for actuator positions; idempotent. The runtime calls it after
   * its own status tracker has subscribed: the external-broker ingress hands the retained
   * statuses it held at connect to the handlers registered first, and the tracker (offline last
   * wills) must not miss them. Positions also arrive in each cmd/ack, so nothing depends on this
   * for the read-back at ack time.
   */
  async watchPositions(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    await this.deps.ingress.subscribe(this.deps.topics.filters.status, (topic, payload) => this.onStatus(topic, payload));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  activeOrder(site: string): StopWorkOrder | undefined {
    for (const order of this.active.values()) if (order.site === site) return order;
    return undefined;
  }

  /** What onStopWork will do for the site, said before the red move is saved so its own message
   * tells it: a new order commanding the site's actuators, or the order already in force. */
  stopWorkNotice(site: string): StopWorkNotice {
    const existing = this.activeOrder(site);
    if (existing) return { alreadyInForce: true, actuators: existing.commands.map((c) => ({ device: c.device, action: c.action })) };
    return { alreadyInForce: false, actuators: (this.deps.actuators.get(site) ?? []).map((a) => ({ device: a.device, action: actionFor(a.kind) })) };
  }

  /** Called for every alarm a red stop-work transition moved; one order per site at a time. */
  onStopWork(alarm: Alarm): StopWorkOrder {
    const existing = this.activeOrder(alarm.site);
    if (existing) return existing;
    // Said as the alarm says itself (contract/alarm-text.ts): a rate or a dose keeps its own unit.
    const said = alarmText(alarm, 'zh');
    const reason = `${LEVEL_ZH[alarm.level]}预警 ${said.cause}${said.value !== null ? ` ${said.value}` : ''} — 停产停工`;
    const actuators = (this.deps.actuators.get(alarm.site) ?? []).map((a) => ({ commandId: randomUUID(), device: a.device, action: actionFor(a.kind), ...(a.site !== undefined ? { site: a.site } : {}) }));
    const outcome = issueOrder({ id: randomUUID(), site: alarm.site, alarmId: alarm.id, reason, atMs: this.deps.clock(), actuators });
    this.deps.log.warn({ site: alarm.site, orderId: outcome.next.id, alarmId: alarm.id, actuators: actuators.length }, 'stop-work order issued');
    this.apply(outcome);
    return outcome.next;
  }

  /**
   * The fleet changed: the actuators each site's order commands follow its devices, and one
   * added to a site while its order is in force is commanded at once (closing is the safe side).
   * A removed actuator keeps its command in an order in force: its confirmation is still owed.
   */
  applySites(changes: readonly SiteChange[]): void {
    for (const { site, added } of this.deps.actuators.applySites(changes)) this.commandAdded(site, added);
  }

  /** Actuators added to a site while its order is in force are commanded at once (the safe side). */
  commandAdded(site: string, actuators: readonly Actuator[]): void {
    const order = this.activeOrder(site);
    if (!order || actuators.length === 0) return;
    const outcome = addActuators(order, actuators.map((a) => ({ commandId: randomUUID(), device: a.device, action: actionFor(a.kind), ...(a.site !== undefined ? { site: a.site } : {}) })), this.deps.clock());
    if (outcome.events.length === 0) return;
    this.deps.log.warn({ site, orderId: order.id, actuators: outcome.events.map((e) => e.device) }, 'actuators added while the stop-work order is in force: commanded at once');
    this.apply(outcome);
  }

  /** Records who rectified the hazard (整改) and how; undefined when there is no such order. */
  recordRectification(orderId: string, by: string, note: string): OrderOutcome | undefined {
    return this.officerStep(orderId, by, (order, atMs) => recordRectification(order, { by, note, atMs }));
  }

  /** Records the inspection (验收) of the rectification, by someone other than the rectifier. */
  recordInspection(orderId: string, by: string, note: string): OrderOutcome | undefined {
    return this.officerStep(orderId, by, (order, atMs) => recordInspection(order, { by, note, atMs }));
  }

  /**
   * An officer lifts an order (复工): refused until rectification and inspection are recorded,
   * while the site has an active orange or red alarm, and while any detector of the site is
   * offline, silent or in fault unless a manual gas test comes with the lift; the refusal lists
   * what is missing.
   */
  lift(orderId: string, by: string, note: string, gasTest?: ManualGasTest): OrderOutcome | undefined {
    // The actuators' own alarms do not block the lift: the inspector has seen the site in person,
    // and re-opening gas stays a manual act there; those alarms keep their own lifecycle.
    const outcome = this.officerStep(orderId, by, (order, atMs) =>
      liftOrder(order, {
        by,
        note,
        atMs,
        // Health alarms (offline, stale, fault) are judged as blindness below: a manual gas test answers them.
        // An alarm of a device or channel removed from the fleet cannot clear (alarms/alarms-follower.ts): it is closed after the lift.
        activeAlarmLevels: this.deps.alarms.activeLevels(order.site, (a) => isActuatorRule(a.ruleId) || isHealthRule(a.ruleId) || !this.knowsDevice(a)),
        blind: blindDetectors(order.site, this.deps.alarms.activeAlarms(), atMs),
        ...(gasTest !== undefined ? { gasTest } : {}),
      }),
    );
    if (outcome && !outcome.rejected) {
      // A position mismatch is defined against the order's command; once lifted the valve is
      // expected to be re-opened by hand, so that condition ends (the alarm awaits ack and close).
      for (const command of outcome.next.commands) this.clearActuatorAlarm(outcome.next, command, 'actuator_position');
    }
    return outcome;
  }

  private knowsDevice(a: Alarm): boolean {
    return a.device.startsWith('_') || this.deps.alarms.sites.knowsSensor(a.site, a.device, a.channel);
  }

  private officerStep(orderId: string, by: string, step: (order: StopWorkOrder, atMs: number) => OrderOutcome): OrderOutcome | undefined {
    const order = this.active.get(orderId) ?? this.deps.repo.get(orderId);
    if (!order) return undefined;
    const atMs = this.deps.clock();
    const outcome = step(order, atMs);
    if (outcome.rejected) {
      // A refused attempt is part of the record too: who tried to resume work, and why not.
      const note = `${outcome.rejected}${outcome.detail ? `: ${outcome.detail}` : ''}`;
      this.deps.repo.recordEvent(orderEvent(order, 'refused', atMs, { actor: by.trim() || '(unnamed)', note }));
      this.deps.log.warn({ site: order.site, orderId, by, rejected: outcome.rejected, detail: outcome.detail }, 'stop-work order step refused');
    } else {
      this.apply(outcome);
    }
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
    const key = `${parsed.topic.site}/${device}`;
    if (ack.value.position !== undefined) this.positions.set(key, ack.value.position);
    for (const order of this.active.values()) {
      const command = order.commands.find((c) => c.id === ack.value.id);
      if (!command) continue;
      if ((command.site ?? order.site) !== parsed.topic.site || command.device !== device) {
        log.warn({ site: parsed.topic.site, device, commandId: ack.value.id }, 'cmd/ack from a device the command was not sent to');
        return;
      }
      const position = ack.value.position ?? this.positions.get(key) ?? null;
      this.apply(onCommandAck(order, { commandId: ack.value.id, ok: ack.value.ok, state: ack.value.state, atMs: clock(), position }));
      return;
    }
    log.debug({ device, commandId: ack.value.id }, 'cmd/ack for no active order');
  }

  private onStatus(topic: string, payload: Buffer): void {
    const parsed = this.deps.topics.parse(topic);
    if (!parsed.ok || parsed.topic.kind !== 'status') return;
    const status = parseJson(statusSchema, payload);
    // Malformed statuses are reported by the status tracker (ingest/status.ts); only positions matter here.
    if (!status.ok || status.value.position === undefined) return;
    const { site, device } = parsed.topic;
    this.positions.set(`${site}/${device}`, status.value.position);
    for (const order of [...this.active.values()]) {
      if (!order.commands.some((c) => c.device === device && (c.site ?? order.site) === site)) continue;
      this.apply(onPositionReport(order, { device, site, position: status.value.position, atMs: this.deps.clock() }));
    }
  }

  /** Persist first, then act: a crash between the two re-sends at start, never forgets. */
  private apply(outcome: OrderOutcome): void {
    const order = outcome.next;
    const before = this.active.get(order.id);
    // A new order commands its valves and fans before it is written down: the write is a
    // synchronous=FULL commit (an fsync, milliseconds under load) and the gas must stop first.
    // A crash between the two leaves valves closed with no order on record, the safe side: the
    // red alarm is already saved, and a reading still above red after restart issues the order.
    const commandFirst = outcome.events.some((e) => e.kind === 'issued');
    if (commandFirst) for (const effect of outcome.effects) this.carryOut(order, effect);
    this.deps.repo.save(order, outcome.events);
    if (order.state === 'active') this.active.set(order.id, order);
    else this.active.delete(order.id);
    for (const e of outcome.events) if (ORDER_STEPS.has(e.kind)) this.deps.events.emit('order', { order, what: e.kind as OrderWhat });
    if (!commandFirst) for (const effect of outcome.effects) this.carryOut(order, effect);
    // Acks change a command without an effect: tell observers all the same.
    if (before) {
      for (const command of order.commands) {
        const old = before.commands.find((c) => c.id === command.id);
        if (old && old.state !== command.state && (command.state === 'acked' || command.state === 'failed')) {
          this.deps.events.emit('command', { order, command, what: command.state });
          if (command.state === 'acked') this.clearActuatorAlarm(order, command, 'actuator_unconfirmed');
        }
        if (old && !isConfirmed(old) && isConfirmed(command)) this.clearActuatorAlarm(order, command, 'actuator_position');
      }
    }
  }

  /**
   * An actuator that refuses, never confirms, or reads back unsafe after its ack raises its own
   * red alarm (the gas may still flow); its later confirmation clears it.
   */
  private clearActuatorAlarm(order: StopWorkOrder, command: OrderCommand, kind: ActuatorAlarmKind): void {
    this.deps.alarms.clearDirect(this.actuatorAlarmOf(order, command, kind));
  }

  private raiseActuatorAlarm(order: StopWorkOrder, command: OrderCommand, kind: ActuatorAlarmKind): void {
    this.deps.alarms.raiseDirect(this.actuatorAlarmOf(order, command, kind), 'red');
  }

  /** The actuator's own alarm: which actuator (valve or fan, from the site's config) and how many
   * times its command was sent. */
  private actuatorAlarmOf(order: StopWorkOrder, command: OrderCommand, kind: ActuatorAlarmKind): DirectAlarm {
    const actuator = (this.deps.actuators.get(order.site) ?? []).find((a) => a.device === command.device)?.kind ?? (command.action === 'fan_on' ? 'fan' : 'valve');
    return { kind, site: order.site, device: command.device, actuator, attempts: command.attempts };
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
        // An actuator obeying this site's orders from its own site is commanded on its own topic.
        const target = topics.cmd({ site: (effect.command.site ?? site) as SiteId, device: effect.command.device as DeviceId });
        ingress.publish(target, JSON.stringify(command), { qos: 1, retain: false }).catch(fail);
        events.emit('command', { order, command: effect.command, what: 'sent' });
        return;
      }
      case 'command_unconfirmed':
        log.error({ site, orderId: order.id, device: effect.command.device, attempts: effect.command.attempts }, 'actuator never confirmed the stop-work command');
        events.emit('command', { order, command: effect.command, what: 'unconfirmed' });
        this.raiseActuatorAlarm(order, effect.command, 'actuator_unconfirmed');
        return;
      case 'command_failed':
        log.error({ site, orderId: order.id, device: effect.command.device, result: effect.command.result }, 'actuator refused the stop-work command');
        this.raiseActuatorAlarm(order, effect.command, 'actuator_unconfirmed');
        return;
      case 'position_mismatch':
        log.error({ site, orderId: order.id, device: effect.command.device, result: effect.command.result, position: effect.command.position }, 'actuator acked but its position reads back unsafe');
        this.raiseActuatorAlarm(order, effect.command, 'actuator_position');
        return;
      case 'position_restored':
        log.warn({ site, orderId: order.id, device: effect.command.device, position: effect.command.position }, 'actuator position reads back safe again');
        return; // the alarm is cleared in apply, with every command that becomes confirmed
    }
  }
}
