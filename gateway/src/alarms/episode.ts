// An alarm episode: one sensor (or actuator, or gateway part) and one rule, from raise to clear.
// The service keeps one active alarm per episode, keyed here.

import type { AlarmKind } from '../contract/alarm-kind.js';
import type { LevelTransition } from '../detect/engine.js';

/** The ids an alarm row is filed under: what it is about and the rule that raised it. */
export interface EpisodeIdentity {
  readonly site: string;
  readonly device: string;
  readonly channel: string;
  readonly quantity: string;
  readonly ruleId: string;
  readonly kind: AlarmKind;
}

export function episodeKey(a: { site: string; device: string; channel: string; ruleId: string }): string {
  return `${a.site}/${a.device}/${a.channel}/${a.ruleId}`;
}

/** The value an alarm carries: the rule's own measure where it has one (a rate, a dose), else
 * the reading (contract/alarm-kind.ts says what each kind's value is). */
export function valueOf(t: LevelTransition): number {
  return t.measure !== undefined && Number.isFinite(t.measure) ? t.measure : t.value;
}
