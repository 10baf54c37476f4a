// Alarms about the gateway itself, for the people who keep it running: a notification that never
// reached its officer, readings dropped because the spool overflowed, points InfluxDB refused.
// Each is an ordinary alarm (persisted, listed, notified, acknowledged) of kind `gateway` on the
// reserved site `_gateway`, so a roster shift that covers every site hears of it; the device
// names the part.

import type { Level } from '../contract/levels.js';
import type { GatewayCondition } from '../contract/alarm-kind.js';
import type { Alarm } from './lifecycle.js';
import type { DirectAlarm } from './service.js';

export { SYSTEM_SITE, type GatewayCondition as SystemCondition } from '../contract/alarm-kind.js';

/** The alarm service's entry points for alarms that detection does not make. */
export interface DirectAlarms {
  raiseDirect(alarm: DirectAlarm, level: Level): Alarm | undefined;
  clearDirect(alarm: DirectAlarm): Alarm | undefined;
  isDirectActive(alarm: DirectAlarm): boolean;
}

/** Each of them means data or a message was lost, so orange: notified and escalated like any
 * orange alarm, never a stop-work order. */
const LEVEL: Level = 'orange';

export class SystemAlarms {
  constructor(private readonly alarms: DirectAlarms) {}

  /** Raises the condition for `part` (no-op while it is already active); `count` is how many
   * messages, readings or points were lost. */
  raise(part: string, condition: GatewayCondition, count: number): void {
    const alarm: DirectAlarm = { kind: 'gateway', part, condition, count };
    if (!this.alarms.isDirectActive(alarm)) this.alarms.raiseDirect(alarm, LEVEL);
  }

  /** The condition has ended for `part` (no-op when it is not active). */
  clear(part: string, condition: GatewayCondition, count: number): void {
    this.alarms.clearDirect({ kind: 'gateway', part, condition, count });
  }

  /** A loss that happened once rather than a state that lasts: raised and cleared at once, so it
   * still waits for an officer's acknowledgement (cleared_unacked). */
  pulse(part: string, condition: GatewayCondition, count: number): void {
    this.raise(part, condition, count);
    this.clear(part, condition, count);
  }

  isActive(part: string, condition: GatewayCondition): boolean {
    return this.alarms.isDirectActive({ kind: 'gateway', part, condition, count: 0 });
  }
}
