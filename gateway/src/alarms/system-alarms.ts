// Alarms about the gateway itself, for the people who keep it running: a notification that never
// reached its officer, readings dropped because the spool overflowed, points InfluxDB refused.
// Each is an ordinary alarm (persisted, listed, notified, acknowledged) on the reserved site
// `_gateway`, so a roster shift that covers every site hears of it; the device names the part.

import type { ChannelId, DeviceId, SiteId } from '../contract/ids.js';
import type { Level } from '../contract/levels.js';
import type { Quantity } from '../config/quantities.js';
import type { AlarmService } from './service.js';

export const SYSTEM_SITE = '_gateway';
const SYSTEM_QUANTITY = 'system';

export type SystemCondition =
  /** A notification failed after its last retry: someone was not told of an alarm. */
  | 'notify_failed'
  /** The spool dropped its oldest readings (keep-newest policy): history has a hole. */
  | 'spool_overflow'
  /** InfluxDB refused points with a 4xx (kept in the reject file): history has a hole. */
  | 'influx_rejected'
  /** The data directory's disk is full: readings are held unacknowledged until there is space. */
  | 'disk_full'
  /** The process is (nearly) out of file descriptors: new devices and officers cannot connect. */
  | 'descriptors_exhausted';

/** Each of them means data or a message was lost, so orange: notified and escalated like any
 * orange alarm (DESIGN.md, Warning levels), never a stop-work order. */
const LEVEL: Level = 'orange';

export class SystemAlarms {
  constructor(
    private readonly alarms: Pick<AlarmService, 'onTransition' | 'activeAlarms'>,
    private readonly clock: () => number,
  ) {}

  /** Raises the condition for `part` (no-op while it is already active); `value` is a count. */
  raise(part: string, condition: SystemCondition, value: number): void {
    if (this.isActive(part, condition)) return;
    this.move(part, condition, null, LEVEL, value);
  }

  /** The condition has ended for `part` (no-op when it is not active). */
  clear(part: string, condition: SystemCondition, value: number): void {
    if (!this.isActive(part, condition)) return;
    this.move(part, condition, LEVEL, null, value);
  }

  /** A loss that happened once rather than a state that lasts: raised and cleared at once, so it
   * still waits for an officer's acknowledgement (cleared_unacked). */
  pulse(part: string, condition: SystemCondition, value: number): void {
    this.raise(part, condition, value);
    this.clear(part, condition, value);
  }

  isActive(part: string, condition: SystemCondition): boolean {
    const ruleId = ruleOf(condition);
    return this.alarms.activeAlarms().some((a) => a.site === SYSTEM_SITE && a.device === part && a.ruleId === ruleId);
  }

  private move(part: string, condition: SystemCondition, from: Level | null, to: Level | null, value: number): void {
    this.alarms.onTransition({
      kind: 'level',
      site: SYSTEM_SITE as SiteId,
      device: part as DeviceId,
      channel: condition as ChannelId,
      quantity: SYSTEM_QUANTITY as Quantity,
      ruleId: ruleOf(condition),
      from,
      to,
      value,
      atMs: this.clock(),
      stopWork: false,
    });
  }
}

function ruleOf(condition: SystemCondition): string {
  return `system:${condition}`;
}
