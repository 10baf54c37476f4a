// The alarm side as parts: the alarm service over its repository with the gateway's own alarms,
// the notifier that plans an outbox row inside every alarm save, and detection started warm from
// the alarms that were active, so a restart raises nothing twice.

import type { InRegions } from '../notify/roster.js';
import { regionBriefingsOver } from '../notify/region-briefings.js';
import { SqlScopeReader } from '../registry/scope-reader-query.js';
import type { Config, Rule } from '../config/schema.js';
import type { ChannelId, DeviceId, SiteId } from '../contract/ids.js';
import type { Level } from '../contract/levels.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/sqlite.js';
import { AlarmRepository } from '../alarms/repository.js';
import { AlarmService } from '../alarms/service.js';
import { SystemAlarms } from '../alarms/system-alarms.js';
import { AlarmListQuery } from '../alarms/alarm-list-query.js';
import type { AlarmList } from '../alarms/alarm-list.js';
import { Notifier } from '../notify/notifier.js';
import { effectiveRules } from '../config/effective-rules.js';
import { DetectionEngine } from '../detect/engine.js';
import { isHealthKind, SensorHealth, watchedChannelsOf, type WatchedChannel } from '../detect/health.js';
import { ChannelProfiles } from '../detect/channel-profiles.js';
import { VotingPlan } from '../detect/voting.js';
import type { Part } from './part.js';

export interface AlarmsPart extends Part {
  readonly repo: AlarmRepository;
  readonly service: AlarmService;
  /** Alarms about the gateway itself (disk full, a channel that fails, a spool that overflows). */
  readonly system: SystemAlarms;
  /** The alarm list a front end pages through (built here so that its indexes exist from the start). */
  readonly list: AlarmList;
}

/** No lifecycle of its own: the held saves are retried by the health tick (ReadingPipeline.tick). */
export function alarmsPart(config: Config, stateDb: Db, events: EventBus, clock: () => number, log: Logger): AlarmsPart {
  // The rules' kinds correct alarm rows written before alarms carried their kind.
  const repo = new AlarmRepository(stateDb, new Map(effectiveRules(config).map((r) => [r.id, r.kind])));
  const service = new AlarmService({
    repo,
    events,
    clock,
    log: log.child({ module: 'alarms' }),
    chatter: { raises: config.alarms.chatterRaises, windowMs: config.alarms.chatterWindowS * 1000, stableMs: config.alarms.chatterStableS * 1000 },
    staleAlarmMs: config.alarms.staleAlarmH * 3_600_000,
    shelveMaxMs: config.alarms.shelveMaxH * 3_600_000,
    outOfServiceMaxMs: config.alarms.outOfServiceMaxH * 3_600_000,
    flood: { alarms: config.alarms.floodAlarms, windowMs: config.alarms.floodWindowMin * 60_000 },
    sites: config.sites.map((s) => ({ id: s.id, timezone: s.timezone, devices: s.devices.map((d) => ({ id: d.id, channels: Object.keys(d.channels) })) })),
  });
  return { name: 'alarms', repo, service, system: new SystemAlarms(service), list: new AlarmListQuery(stateDb) };
}

export interface NotifierPart extends Part {
  readonly notifier: Notifier;
}

/** "Is the site in these regions or below", asked of the registry's tables (scope-reader-query.ts). */
function regionsOf(stateDb: Db): InRegions {
  const scopes = new SqlScopeReader(stateDb);
  return (site, regions) => scopes.contains({ kind: 'regions', regions }, site);
}

/** Built before anything saves an alarm: its outbox hook joins every save (AlarmRepository.onSave refuses a late one). */
export function notifierPart(config: Config, stateDb: Db, alarms: AlarmsPart, events: EventBus, clock: () => number, log: Logger): NotifierPart {
  const { service, system } = alarms;
  const notifier = new Notifier({
    db: stateDb,
    alarmRepo: alarms.repo,
    notify: config.notify,
    sites: config.sites,
    clock,
    log: log.child({ module: 'notify' }),
    emit: (alarm, event) => events.emit('alarm', { alarm, event }),
    events,
    // Maintenance and flood around an alarm for the escalation timer (saves bring their own).
    surroundings: (alarm) => service.surroundings(alarm),
    // An alarm raised from buffered readings is chased in its own time, from when it was raised.
    alarmTime: (alarm, nowMs) => service.alarmTime(alarm, nowMs),
    // A channel that fails for good is a gateway alarm until a delivery through it succeeds.
    onDeliveryFailed: (row) => system.raise(`notify-${row.channel}`, 'notify_failed', row.attempts),
    onDelivered: (row) => system.clear(`notify-${row.channel}`, 'notify_failed', 0),
    // A shift limited to regions covers the sites the registry holds under them at the alarm's
    // notification, so a kitchen added to the county an hour ago reaches its duty officer.
    inRegions: regionsOf(stateDb),
    regionBriefings: regionBriefingsOver(stateDb),
  });
  return {
    name: 'notifier',
    notifier,
    start: () => notifier.start(),
    stop: () => notifier.stop(),
  };
}

export interface Detection {
  /** The rules at start; the engine's follow the fleet (parts/detection-follower.ts). */
  readonly rules: readonly Rule[];
  readonly engine: DetectionEngine;
  readonly health: SensorHealth;
  /** Each device's channels and quantities, read by the pipeline on every message. */
  readonly profiles: ChannelProfiles;
  /** The detectors of each space that vote on a stop-work order. */
  readonly voting: VotingPlan;
}

/** Every detector channel is watched for silence with its device's period and level. */
function watchedChannels(config: Config): WatchedChannel[] {
  return config.sites.flatMap((site) => site.devices.flatMap((d) => watchedChannelsOf(site.id, d)));
}

/**
 * The largest forward step of the gateway clock taken as elapsed time. A step longer than a
 * detector's stale period would make every detector look silent at the next 1 s health tick, so
 * the configured bound is capped at half the shortest period (a +200 s step raised stale on every
 * detector with the default 100 s period and 300 s bound). Half: a detector reporting more often
 * than every half period is never taken for silent by a step.
 */
function maxClockJumpMs(config: Config): number {
  const periods = config.sites.flatMap((s) => s.devices.filter((d) => Object.keys(d.channels).length > 0).map((d) => d.staleAfterS * 1000));
  const shortest = periods.length > 0 ? Math.min(...periods) : Infinity;
  // StalenessWatch needs at least its 1 s bucket.
  return Math.max(1000, Math.min(config.health.maxClockJumpS * 1000, shortest / 2));
}

function healthOptions(config: Config): ConstructorParameters<typeof SensorHealth>[1] {
  const h = config.health;
  const gas = { afterMs: h.stuckGasAfterH * 3_600_000, epsilon: 0, baseline: 0 };
  return {
    stale: { maxJumpMs: maxClockJumpMs(config) },
    faults: {
      rangeLevel: h.rangeFaultLevel,
      rangeClearReadings: h.rangeClearReadings,
      deviceLevel: h.deviceFaultLevel,
      stuckLevel: h.stuckLevel,
      stuck: { methane_lel: gas, lpg_lel: gas, co_ppm: gas, h2s_ppm: gas },
    },
  };
}

/** Detection starts warm from the alarms that were active, so a restart raises nothing twice. */
export function detectionFor(config: Config, alarms: AlarmService, clock: () => number): Detection {
  const rules = effectiveRules(config);
  const engine = new DetectionEngine(rules);
  const health = new SensorHealth(watchedChannels(config), healthOptions(config), clock());
  const active = alarms.activeAlarms();
  health.restore(active.filter((a) => isHealthKind(a.kind)), clock());
  for (const a of active) {
    if (!isHealthKind(a.kind)) engine.restore(a.site as SiteId, a.device as DeviceId, a.channel as ChannelId, a.ruleId, a.level as Level);
  }
  return { rules, engine, health, profiles: new ChannelProfiles(config.sites), voting: VotingPlan.fromConfig(config, rules) };
}
