// What the roster is spared (ISA-18.2 shelving, out-of-service, flood consolidation): the
// notifier's policy, over facts the alarm service hands over with each move, so the notifier
// never calls back into the alarm service from inside the transaction that saves the move.

import { isShelved, type Alarm } from '../alarms/lifecycle.js';
import type { Action } from '../contract/command.js';

/** Why the roster is not told of an alarm; red is never suppressed. */
export type SuppressReason = 'shelved' | 'device_out_of_service' | 'site_out_of_service' | 'flood';

/** The alarm's surroundings when it moved, as the alarm service saw them. */
export interface AlarmSurroundings {
  /** A maintenance spell covering the alarm's device, or its whole site. */
  readonly outOfService: 'device' | 'site' | null;
  /** The site is in an alarm flood and this is not the flood's own consolidated alarm. */
  readonly inFlood: boolean;
  /** The stop-work order this move of a red alarm issues in the same step (the pipeline decides
   * it before the move is saved), so the red message itself says it; absent when none is issued
   * (not red, voting pending, site out of service) and on moves saved without it. */
  readonly stopWork?: StopWorkNotice | undefined;
}

/** A stop-work order (停产停工令) as the red alarm that issues it says it. */
export interface StopWorkNotice {
  /** The site was already under an order, which this red joins (one order per site). */
  readonly alreadyInForce: boolean;
  /** The actuators the order commands; none configured: the gas is shut off by hand. */
  readonly actuators: readonly { readonly device: string; readonly action: Action }[];
}

/** Nothing around the alarm (a move saved without them, e.g. an escalation step). */
export const NO_SURROUNDINGS: AlarmSurroundings = { outOfService: null, inFlood: false };

/**
 * Why the roster should not be told of this alarm's move, or null to tell it. Red is never
 * suppressed: it stops work and someone must hear of it whatever else is going on.
 */
export function suppressReason(alarm: Alarm, atMs: number, around: AlarmSurroundings): SuppressReason | null {
  if (alarm.level === 'red') return null;
  if (isShelved(alarm, atMs)) return 'shelved';
  if (around.outOfService !== null) return around.outOfService === 'site' ? 'site_out_of_service' : 'device_out_of_service';
  if (around.inFlood) return 'flood';
  return null;
}
