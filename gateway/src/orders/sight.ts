// Which detectors of a site cannot vouch for the air right now: the ones whose health alarm is
// active (offline by last will, silent past their stale period, in fault). A lift relies on them
// (sign-off.ts); a blind detector's cleared gas alarm proves nothing. Pure: alarms and time in.

import { isHealthRule } from '../detect/health.js';
import type { BlindDetector } from './order-types.js';

/** The fields of an active alarm this needs (alarms/lifecycle.ts Alarm has them). */
export interface HealthAlarmView {
  readonly site: string;
  readonly device: string;
  readonly channel: string;
  readonly ruleId: string;
  readonly value: number;
  readonly raisedAtMs: number;
}

const FAULT_TEXT: Readonly<Record<string, string>> = {
  'fault:range': 'in fault (reading outside the sensor range)',
  'fault:stuck': 'in fault (reading stuck)',
  'fault:device': 'in fault (the device reports a fault code)',
};

/** The site's blind detectors, one entry per device and channel, devices in name order. */
export function blindDetectors(site: string, active: Iterable<HealthAlarmView>, nowMs: number): BlindDetector[] {
  const out: BlindDetector[] = [];
  for (const a of active) {
    if (a.site !== site || !isHealthRule(a.ruleId)) continue;
    if (a.ruleId === 'offline') out.push({ device: a.device, channel: a.channel, why: 'offline', detail: 'offline (last will)' });
    else if (a.ruleId === 'stale') {
      // The alarm's value is the silence (s) when it was raised; the silence has gone on since.
      const silentS = Math.round(a.value + Math.max(0, nowMs - a.raisedAtMs) / 1000);
      out.push({ device: a.device, channel: a.channel, why: 'stale', detail: `no reading for ${silentS} s` });
    } else out.push({ device: a.device, channel: a.channel, why: 'fault', detail: FAULT_TEXT[a.ruleId] ?? `in fault (${a.ruleId})` });
  }
  return out.sort((x, y) => (x.device === y.device ? x.channel.localeCompare(y.channel) : x.device.localeCompare(y.device)));
}
