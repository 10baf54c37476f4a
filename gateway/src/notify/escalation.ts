// Escalation (逐级上报): an unacknowledged alarm climbs the duty tiers after delays set per level
// (the example: red after 2 and 5 minutes), and the tier it has reached is reminded at an
// interval until someone acknowledges. Every step is an alarm event ('escalation' / 'reminder'),
// so it shows on the alarm, notifies through the outbox in the same transaction, and is where a
// restarted gateway reads back how far each alarm has climbed.

import type { Alarm, AlarmEvent } from '../alarms/lifecycle.js';
import type { AlarmRepository } from '../alarms/repository.js';
import type { EscalationLevel, NotifyConfig, Tier } from '../config/notify-schema.js';
import type { Level } from '../contract/levels.js';
import type { Logger } from '../log.js';
import { tierNote, tierOf } from './planner.js';
import { NO_REGIONS, tierChain, type InRegions } from './roster.js';

export interface StepRecord {
  kind: 'escalation' | 'reminder';
  tier: Tier;
  atMs: number;
}

export interface EscalationInput {
  level: Level;
  /** The tiers of the level's chain, lowest first (roster.tierChain). */
  chain: readonly Tier[];
  policy: EscalationLevel;
  /** When the alarm last became unacknowledged at its level (raised, or rose). */
  sinceMs: number;
  /** Steps already recorded since then, oldest first. */
  steps: readonly StepRecord[];
}

export interface DueStep {
  kind: 'escalation' | 'reminder';
  tier: Tier;
  /** When the step fell due (≤ now). */
  dueMs: number;
}

/**
 * The steps due at `nowMs`. Climbs are due at fixed offsets from `sinceMs`, so a late tick never
 * shifts them; several due at once (the gateway was down) are all taken. A reminder is due one
 * interval after the last step at the current tier; one missed several times is sent once, not as
 * a burst. A climb due now stands in for a reminder (it notifies the new tier).
 */
export function dueSteps(input: EscalationInput, nowMs: number): DueStep[] {
  const out: DueStep[] = [];
  const climbs = input.steps.filter((s) => s.kind === 'escalation').length;
  const maxClimbs = Math.min(input.policy.climbAfterS.length, Math.max(0, input.chain.length - 1));
  let reached = climbs;
  for (let i = climbs; i < maxClimbs; i++) {
    const dueMs = input.sinceMs + input.policy.climbAfterS[i]! * 1000;
    if (dueMs > nowMs) break;
    reached = i + 1;
    out.push({ kind: 'escalation', tier: input.chain[reached]!, dueMs });
  }
  if (out.length > 0 || input.policy.remindEveryS <= 0 || input.chain.length === 0) return out;
  const last = input.steps.length > 0 ? input.steps[input.steps.length - 1]!.atMs : input.sinceMs;
  const dueMs = Math.max(last, input.sinceMs) + input.policy.remindEveryS * 1000;
  if (dueMs <= nowMs) out.push({ kind: 'reminder', tier: input.chain[reached]!, dueMs });
  return out;
}

/** Reads the escalation state of an alarm back from its stored events (restart-safe). */
export function escalationInput(alarm: Alarm, events: readonly AlarmEvent[], notify: NotifyConfig, policy: EscalationLevel = notify.escalation[alarm.level]): EscalationInput {
  let since = alarm.raisedAtMs;
  let steps: StepRecord[] = [];
  for (const e of events) {
    if (e.kind === 'raised' || e.kind === 'escalated') {
      // A rise is a re-alarm (ISA-18.2): the climb starts again at the new level's delays.
      since = e.atMs;
      steps = [];
    } else if (e.kind === 'escalation' || e.kind === 'reminder') {
      const tier = tierOf(e);
      if (tier) steps.push({ kind: e.kind, tier, atMs: e.atMs });
    }
  }
  return { level: alarm.level, chain: tierChain(notify.roster, alarm.level), policy, sinceMs: since, steps };
}

/** The climb delays of the alarm's level at its site: the first `escalationByRegion` entry whose
 * regions hold the site (read from the registry now), else `escalation`'s. */
export function escalationPolicy(alarm: Alarm, notify: NotifyConfig, inRegions: InRegions = NO_REGIONS): EscalationLevel {
  for (const entry of notify.escalationByRegion) {
    const own = entry[alarm.level];
    if (own && inRegions(alarm.site, entry.regions)) return own;
  }
  return notify.escalation[alarm.level];
}

export interface EscalationOptions {
  repo: AlarmRepository;
  notify: NotifyConfig;
  clock: () => number;
  log: Logger;
  suppress?: ((alarm: Alarm) => boolean) | undefined;
  /** Fan-out of each recorded step (live stream, demo narration). */
  emit?: (alarm: Alarm, event: AlarmEvent) => void;
  /**
   * The alarm's own time when the gateway clock reads nowMs. An alarm raised from readings
   * buffered since yesterday carries yesterday's times: measured on the gateway clock, its climb
   * fell due the moment it was raised (every tier woken at once, "unacknowledged for 1 500 min"
   * a second after the first notice). Absent: the gateway clock.
   */
  alarmTime?: ((alarm: Alarm, nowMs: number) => number) | undefined;
  /** The registry's region tree, for `escalationByRegion`; absent: no site is in any region. */
  inRegions?: InRegions | undefined;
}

/** Ticks once a second over the unacknowledged alarms and records the steps that fell due. */
export class EscalationService {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: EscalationOptions) {}

  /** A new notify section taken live (SIGHUP, roster change): the next tick climbs its chains. */
  setNotify(notify: NotifyConfig): void {
    this.o.notify = notify;
  }

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => {
      try {
        this.tick(this.o.clock());
      } catch (err) {
        // A timer that throws would end the process: say it and try again next second.
        this.o.log.error({ err }, 'escalation tick failed');
      }
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Records every step due at `nowMs`; returns them as events. */
  tick(nowMs: number): AlarmEvent[] {
    const recorded: AlarmEvent[] = [];
    // Each site's regions asked once a tick, however many of its alarms are waiting.
    const asked = new Map<string, boolean>();
    const inRegions: InRegions = (site, regions) => {
      const key = `${site}\u0000${regions.join(',')}`;
      let answer = asked.get(key);
      if (answer === undefined) asked.set(key, (answer = (this.o.inRegions ?? NO_REGIONS)(site, regions)));
      return answer;
    };
    // Only an active, unacknowledged condition climbs: an acknowledged or cleared alarm needs no chase.
    for (const alarm of this.o.repo.list({ state: 'active_unacked', limit: 10_000 })) {
      const policy = escalationPolicy(alarm, this.o.notify, inRegions);
      if ((policy.climbAfterS.length === 0 && policy.remindEveryS <= 0) || this.o.suppress?.(alarm)) continue;
      const input = escalationInput(alarm, this.o.repo.events(alarm.id), this.o.notify, policy);
      // Steps are due and recorded in the alarm's own time, so its events stay in order.
      const atMs = this.o.alarmTime?.(alarm, nowMs) ?? nowMs;
      for (const step of dueSteps(input, atMs)) {
        const waitedS = Math.round((atMs - input.sinceMs) / 1000);
        const event: AlarmEvent = {
          alarmId: alarm.id,
          kind: step.kind,
          fromLevel: alarm.level,
          toLevel: alarm.level,
          state: alarm.state,
          value: alarm.value,
          atMs,
          actor: null,
          note: tierNote(step.tier, `${step.kind === 'escalation' ? 'climbed to' : 'reminded'} ${step.tier}: unacknowledged for ${waitedS} s`),
        };
        this.o.repo.save(alarm, [event]);
        this.o.log.warn({ site: alarm.site, device: alarm.device, alarmId: alarm.id, tier: step.tier, kind: step.kind }, 'unacknowledged alarm: escalation step');
        this.o.emit?.(alarm, event);
        recorded.push(event);
      }
    }
    return recorded;
  }
}
