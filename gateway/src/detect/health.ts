// Sensor health beside the level rules: staleness (silence, last will) and faults (range, stuck,
// device codes) for every watched channel, restored from the active alarms at start so a restart
// neither forgets an alarm nor leaves one that nothing could clear. Pure: time is passed in.

import type { ChannelId, DeviceId, SiteId } from '../contract/ids.js';
import type { Level } from '../contract/levels.js';
import type { Quantity } from '../config/quantities.js';
import type { DeviceConfig } from '../config/schema.js';
import { alarmKindOfRule, FAULT_DEVICE_RULE, FAULT_RANGE_RULE, FAULT_STUCK_RULE, OFFLINE_RULE, STALE_RULE, type AlarmKind } from '../contract/alarm-kind.js';
import type { SensorReading } from './engine.js';
import { sensorKey } from './sensor-state.js';
import { StalenessWatch, type StaleOptions, type StaleSnapshot } from './stale.js';
import { DEVICE_CHANNEL, FaultDetector, type DetailedTransition, type FaultConfig, type FaultSnapshot } from './fault.js';

export interface WatchedChannel {
  readonly site: SiteId;
  readonly device: DeviceId;
  readonly channel: ChannelId;
  readonly quantity: Quantity;
  readonly stalePeriodMs: number;
  readonly staleLevel: Level;
}

/** A device's channels as the silence watch takes them: its period and level for each. */
export function watchedChannelsOf(site: string, d: DeviceConfig): WatchedChannel[] {
  return Object.entries(d.channels).map(([channel, spec]) => ({ site: site as SiteId, device: d.id as DeviceId, channel: channel as ChannelId, quantity: spec.quantity, stalePeriodMs: d.staleAfterS * 1000, staleLevel: d.staleLevel }));
}

/** An alarm that was active when the gateway stopped, as the alarm store has it. */
export interface ActiveHealthAlarm {
  readonly site: string;
  readonly device: string;
  readonly channel: string;
  readonly quantity: string;
  readonly ruleId: string;
  /** What the alarm is (an alarm row has it); without it, what its rule id names. */
  readonly kind?: AlarmKind;
  readonly level: Level;
  readonly value: number;
  readonly raisedAtMs: number;
}

/** The kinds of alarm sensor health raises (contract/alarm-kind.ts), and their reserved rule ids. */
export const HEALTH_KINDS = ['stale', 'offline', 'fault_range', 'fault_stuck', 'fault_device'] as const satisfies readonly AlarmKind[];
export const HEALTH_RULES = [STALE_RULE, OFFLINE_RULE, FAULT_RANGE_RULE, FAULT_STUCK_RULE, FAULT_DEVICE_RULE] as const;

export function isHealthKind(kind: AlarmKind): boolean {
  return (HEALTH_KINDS as readonly string[]).includes(kind);
}

/** For callers that hold only a rule id; an alarm says it by its kind (isHealthKind). */
export function isHealthRule(ruleId: string): boolean {
  return isHealthKind(alarmKindOfRule(ruleId));
}

export class SensorHealth {
  readonly stale: StalenessWatch;
  readonly faults: FaultDetector;

  constructor(channels: readonly WatchedChannel[], options: { stale?: StaleOptions; faults?: Partial<FaultConfig> }, nowMs: number) {
    this.stale = new StalenessWatch(options.stale ?? {});
    this.faults = new FaultDetector(options.faults ?? {});
    for (const c of channels) this.stale.watch(c, c.stalePeriodMs, c.staleLevel, nowMs);
  }

  /** Puts the detectors back in the state the active alarms say, so the first evidence clears them. */
  restore(active: readonly ActiveHealthAlarm[], nowMs: number): void {
    const stale: StaleSnapshot = { sensors: {}, offline: {} };
    const faults: FaultSnapshot = { channels: {}, devices: {} };
    const current = this.stale.snapshot();
    // Alarms of devices no longer in config stay in the record but have nothing to restore.
    const watchedDevices = new Set(Object.keys(current.sensors).map((k) => k.split('/').slice(0, 2).join('/')));
    for (const a of active) {
      const key = sensorKey(a.site as SiteId, a.device as DeviceId, a.channel as ChannelId);
      const quantity = a.quantity as Quantity;
      const kind = a.kind ?? alarmKindOfRule(a.ruleId);
      switch (kind) {
        case 'stale': {
          const watched = current.sensors[key];
          if (watched) stale.sensors[key] = { ...watched, stale: true, silentMs: Math.max(0, nowMs - a.raisedAtMs) };
          break;
        }
        case 'offline':
          if (watchedDevices.has(`${a.site}/${a.device}`)) stale.offline[`${a.site}/${a.device}`] = { level: a.level, quantity };
          break;
        case 'fault_range':
        case 'fault_stuck': {
          const entry = (faults.channels[key] ??= { lastTsMs: -Infinity, range: false, inRangeCount: 0, runValue: Number.NaN, runStartMs: 0, stuck: false });
          if (kind === 'fault_range') entry.range = true;
          else {
            // The run goes on from the stuck value, so a sensor still stuck stays in fault.
            entry.stuck = true;
            entry.runValue = a.value;
            entry.runStartMs = a.raisedAtMs;
          }
          break;
        }
        case 'fault_device':
          faults.devices[`${a.site}/${a.device}`] = ['(active before restart)'];
          break;
      }
    }
    this.stale.load(stale, nowMs);
    this.faults.load(faults);
  }

  /**
   * Watches a channel added to the fleet (or changed: its period and level) for silence counted
   * from `atMs`, the change: the time before the detector existed is not its silence.
   */
  watch(c: WatchedChannel, atMs: number): void {
    this.stale.watch(c, c.stalePeriodMs, c.staleLevel, atMs);
  }

  /** A device removed from the fleet (or only its `channels`): its silence and faults are no longer watched. */
  forget(site: SiteId, device: DeviceId, channels?: readonly ChannelId[]): void {
    this.stale.unwatch(site, device, channels);
    this.faults.forget(site, device, channels);
  }

  /** One channel's reading: its fault checks, and the silence it ends (received at gateway time). */
  reading(r: SensorReading, receivedMs: number): readonly DetailedTransition[] {
    const faults = this.faults.reading(r);
    const seen = this.stale.seen(r.site, r.device, r.channel, receivedMs);
    if (seen.length === 0) return faults;
    if (faults.length === 0) return seen;
    return [...faults, ...seen];
  }

  /** The fault codes a device reports with a message (none clears its device fault). */
  deviceMessage(site: SiteId, device: DeviceId, quantity: Quantity, codes: readonly string[] | undefined, atMs: number): readonly DetailedTransition[] {
    return this.faults.deviceFault({ site, device, quantity }, codes, atMs);
  }

  status(site: SiteId, device: DeviceId, state: 'online' | 'offline', atMs: number): readonly DetailedTransition[] {
    return state === 'offline' ? this.stale.offline(site, device, atMs) : this.stale.online(site, device, atMs);
  }

  tick(nowMs: number): readonly DetailedTransition[] {
    return this.stale.tick(nowMs);
  }

  /** A detector in fault, silent or offline does not vote (GB 16808-2025 §5.5.1.8). */
  votes(site: SiteId, device: DeviceId, channel: ChannelId): boolean {
    return !this.faults.inFault(site, device, channel) && !this.stale.isSilent(site, device, channel);
  }
}

export { DEVICE_CHANNEL };
