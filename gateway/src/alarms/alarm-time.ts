// The alarms' own time base, and the events flagged in it (stale, chattering): an alarm keeps how
// far the gateway's clock ran ahead of the reading that raised it (lifecycle.ts clockLeadMs).

import { stamp, type Alarm, type AlarmEvent } from './lifecycle.js';

/** ISA-18.2: an alarm active longer than this is a stale alarm, flagged once (24 h by default). */
export const DEFAULT_STALE_ALARM_MS = 24 * 3_600_000;

/**
 * The alarm's own time when the gateway's clock reads `nowMs`: an alarm raised from readings
 * replayed from yesterday is not flagged as a day old at once, its events stay in order and its
 * time-to-acknowledge is the real one, before and after a restart.
 */
export function alarmTime(alarm: Alarm, nowMs: number): number {
  return nowMs - (alarm.clockLeadMs ?? 0);
}

export function staleAlarmEvent(alarm: Alarm, atMs: number, staleAlarmMs: number): AlarmEvent {
  return { alarmId: alarm.id, kind: 'stale_alarm', fromLevel: alarm.level, toLevel: alarm.level, state: alarm.state, value: alarm.value, atMs: stamp(alarm, atMs), actor: null, note: `active for more than ${Math.round(staleAlarmMs / 3_600_000)} h (ISA-18.2 stale alarm)` };
}

export function chatteringEvent(alarm: Alarm, atMs: number): AlarmEvent {
  return { alarmId: alarm.id, kind: 'chattering', fromLevel: alarm.level, toLevel: alarm.level, state: alarm.state, value: alarm.value, atMs: stamp(alarm, atMs), actor: null, note: 'held in alarm until the sensor is stable (ISA-18.2 chattering)' };
}
