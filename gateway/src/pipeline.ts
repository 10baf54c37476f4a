// The message path after intake, as direct calls in one place so order and failure are explicit:
// profile lookup → detect (level rules, then sensor health) → alarms → stop-work order. Storage
// happened before (the journal). Silence and last wills reach the same alarm path through
// `tick` and `deviceStatus`.

import type { ChannelId, DeviceRef } from './contract/ids.js';
import type { Telemetry } from './contract/telemetry.js';
import type { Quantity } from './config/quantities.js';
import type { Config } from './config/schema.js';
import type { DetectionEngine, LevelTransition, SensorReading } from './detect/engine.js';
import type { SensorHealth } from './detect/health.js';
import type { VotingPlan } from './detect/voting.js';
import { ChannelProfiles, type ProfileLookup } from './detect/channel-profiles.js';
import type { AlarmService } from './alarms/service.js';
import type { Alarm } from './alarms/lifecycle.js';
import type { Interlock } from './orders/interlock.js';
import type { EventBus } from './events.js';
import type { Logger } from './log.js';

/** Every device's channel profile, shared between devices of one profile (detect/channel-profiles.ts). */
export function channelProfiles(config: Config): ChannelProfiles {
  return new ChannelProfiles(config.sites);
}

export class ReadingPipeline {
  private readonly unknown = new Set<string>();
  readonly counts = { unknownDevice: 0, unknownChannel: 0 };
  /** Per site, the red alarm whose stop-work order could not be saved: issued again each tick. */
  private readonly unsavedOrders = new Map<string, Alarm>();

  constructor(
    private readonly profiles: ProfileLookup,
    private readonly engine: DetectionEngine,
    private readonly alarms: AlarmService,
    private readonly interlock: Interlock,
    private readonly health: SensorHealth,
    private readonly voting: VotingPlan,
    private readonly events: EventBus,
    private readonly clock: () => number,
    private readonly log: Logger,
  ) {}

  handle(ref: DeviceRef, telemetry: Telemetry): void {
    const key = `${ref.site}/${ref.device}`;
    const receivedMs = this.clock();
    const channels = this.profiles.get(key);
    if (channels === undefined) {
      this.counts.unknownDevice++;
      this.warnOnce(key, { site: ref.site, device: ref.device }, 'readings from a device not in config are stored but not watched');
    } else {
      // The device's fault codes first: they describe this message's readings, and a detector in
      // fault must not vote on a stop-work order its own readings would trigger.
      const mainQuantity = channels.values().next().value;
      if (mainQuantity !== undefined) this.apply(this.health.deviceMessage(ref.site, ref.device, mainQuantity, telemetry.meta?.fault, telemetry.tsMs));
      for (const channel in telemetry.readings) {
        const quantity = channels.get(channel);
        const value = telemetry.readings[channel]!;
        if (quantity === undefined) {
          // Stored in the journal all the same; a channel nobody configured is said loudly once.
          this.counts.unknownChannel++;
          this.warnOnce(`${key}/${channel}`, { site: ref.site, device: ref.device, channel }, 'channel not in the device profile is stored but not watched');
          continue;
        }
        const reading: SensorReading = { site: ref.site, device: ref.device, channel: channel as ChannelId, quantity, value, tsMs: telemetry.tsMs };
        this.apply(this.engine.process(reading));
        this.apply(this.health.reading(reading, receivedMs));
      }
    }
    if (this.events.has('reading')) this.events.emit('reading', { ref, telemetry });
  }

  /** A device's birth or last will. */
  deviceStatus(ref: DeviceRef, state: 'online' | 'offline', atMs: number): void {
    this.apply(this.health.status(ref.site, ref.device, state, atMs));
  }

  /** Called every second with the gateway clock: silence becomes `stale`, chattering alarms settle. */
  tick(nowMs: number): void {
    // First the alarm moves the database refused (disk full, I/O error), oldest first, so they
    // are stored before anything this tick moves.
    this.alarms.retryPendingSaves(nowMs);
    this.apply(this.health.tick(nowMs));
    this.alarms.tick(nowMs);
    this.retryOrders();
  }

  private apply(transitions: readonly LevelTransition[]): void {
    for (const t of transitions) {
      // Whether this red stops work is decided before the move is saved, so the red alarm's own
      // message says the order and the actuators it commands. Shelving and a device out of
      // service do not count here: red on them still stops work. Only a whole site out of
      // service for maintenance withholds the order.
      const confirmed = t.stopWork && this.confirmed(t);
      const outOfService = confirmed && this.alarms.siteOutOfService(t.site);
      const stops = confirmed && !outOfService;
      // A move the state database refuses still comes back here: the service holds it and saves
      // it again on every tick (alarms/pending-saves.ts), since the engine has moved on.
      const alarm = this.alarms.onTransition(t, stops ? this.interlock.stopWorkNotice(t.site) : undefined);
      if (alarm && stops) this.stopWork(alarm);
      else if (alarm && outOfService) this.log.warn({ site: t.site, device: t.device, alarmId: alarm.id }, 'red on a site out of service: no stop-work order');
    }
  }

  /**
   * Issues the site's stop-work order at once, whether or not the alarm's row is saved yet: the
   * gas valve must close now, and a disk that refuses the alarm would otherwise hold it open.
   * The order names the alarm by id only (stop_work_order.alarm_id has no foreign key, state-db.ts);
   * the id is given when the alarm is raised in memory, before any save, and the held move saves
   * the row under that same id later, so the order never points at another alarm or at nothing
   * for longer than the fault lasts. The interlock commands the actuators before writing the
   * order (orders/interlock.ts, apply); when that write fails too, the order is issued again on
   * every tick until it is on record (each time re-sending the close: the safe side).
   */
  private stopWork(alarm: Alarm): void {
    try {
      this.interlock.onStopWork(alarm);
      this.unsavedOrders.delete(alarm.site);
    } catch (err) {
      if (!this.unsavedOrders.has(alarm.site)) this.log.error({ err, site: alarm.site, alarmId: alarm.id }, 'stop-work order commanded but not saved: issued again every second until it is');
      this.unsavedOrders.set(alarm.site, alarm);
    }
  }

  private retryOrders(): void {
    for (const [site, alarm] of [...this.unsavedOrders]) {
      if (this.interlock.activeOrder(site)) this.unsavedOrders.delete(site);
      else this.stopWork(alarm);
    }
  }

  /** Voting (GB 16808-2025): a red that needs more detectors of its space waits for them. */
  private confirmed(t: LevelTransition): boolean {
    if (this.voting.votesFor(t.ruleId) <= 1) return true;
    const vote = this.voting.decide(
      t,
      (v, ruleId) => this.engine.levelOf(v.site, v.device, v.channel, ruleId),
      (v) => this.health.votes(v.site, v.device, v.channel),
    );
    const fields = { site: t.site, device: t.device, ruleId: t.ruleId, atRed: vote.atRed, required: vote.required };
    for (const v of vote.notVoting) this.log.warn({ ...fields, notVoting: v.device }, 'detector in fault or silent does not vote on the stop-work order');
    if (!vote.confirmed) this.log.warn(fields, 'red on too few detectors of the space: stop-work order waits for confirmation');
    return vote.confirmed;
  }

  private warnOnce(key: string, fields: Record<string, string>, message: string): void {
    if (this.unknown.has(key) || this.unknown.size > 10_000) return;
    this.unknown.add(key);
    this.log.warn(fields, message);
  }
}
