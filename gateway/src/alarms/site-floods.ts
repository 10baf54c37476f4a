// Each site's flood state over time (flood.ts holds the pure steps), and the moves of the site's
// one consolidated flood alarm. The service saves those moves; this only decides them.

import { randomUUID } from 'node:crypto';
import { levelRank } from '../contract/levels.js';
import type { Logger } from '../log.js';
import { episodeKey } from './episode.js';
import { afterFlood, FLOOD_QUANTITY, FLOOD_RULE, floodEnded, isFloodAlarm, NO_FLOOD, noteRaise, restoreFlood, SITE_DEVICE, type FloodPolicy, type FloodState } from './flood.js';
import { applyLevel, raiseAlarm, type Alarm, type Outcome } from './lifecycle.js';

/** The episode key of a site's flood alarm. */
export function floodKey(site: string): string {
  return episodeKey({ site, device: SITE_DEVICE, channel: SITE_DEVICE, ruleId: FLOOD_RULE });
}

export class SiteFloods {
  private readonly floods = new Map<string, FloodState>();

  constructor(
    readonly policy: FloodPolicy,
    private readonly log: Logger,
  ) {}

  /** A flood alarm found active at start keeps its site in flood (flood.ts restoreFlood). */
  restore(alarm: Alarm, nowMs: number): void {
    if (isFloodAlarm(alarm)) this.floods.set(alarm.site, restoreFlood(alarm.raisedAtMs, alarm.value, alarm.level, nowMs));
  }

  /** Whether the site is in an alarm flood now. */
  inFlood(site: string): boolean {
    return this.floods.get(site)?.inFlood ?? false;
  }

  /** Counts a new alarm towards its site's flood; true when the flood alarm must move. */
  count(alarm: Alarm, now: number): boolean {
    const before = this.floods.get(alarm.site) ?? NO_FLOOD;
    const step = noteRaise(before, now, alarm.level, this.policy);
    this.floods.set(alarm.site, step.state);
    if (step.started) this.log.warn({ site: alarm.site, alarms: step.state.count }, 'alarm flood: one consolidated site alarm instead of each one');
    return step.started || (step.state.inFlood && levelRank(step.state.peakLevel) > levelRank(before.peakLevel));
  }

  /** Raises the site's flood alarm (`current`: its active one), or raises its level to the
   * highest among the flood's alarms; null when the site is not in flood. */
  move(site: string, current: Alarm | undefined, now: number): Outcome | null {
    const state = this.floods.get(site);
    if (!state?.inFlood || state.peakLevel === null) return null;
    return current
      ? applyLevel(current, state.peakLevel, state.count, now)
      : raiseAlarm({ id: randomUUID(), site, device: SITE_DEVICE, channel: SITE_DEVICE, quantity: FLOOD_QUANTITY, ruleId: FLOOD_RULE, kind: 'flood', level: state.peakLevel, value: state.count, atMs: now });
  }

  /** A site quiet for a whole window leaves the flood; `ended` is told of each such site, one at
   * a time (the site is out of flood when it is called), with the flood's count. */
  endFloods(nowMs: number, ended: (site: string, count: number) => void): void {
    for (const [site, state] of this.floods) {
      if (!floodEnded(state, nowMs, this.policy)) continue;
      this.floods.set(site, afterFlood(state));
      ended(site, state.count);
    }
  }
}
