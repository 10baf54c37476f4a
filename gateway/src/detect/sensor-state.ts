// Per-sensor detection state as plain, serialisable data, so a partition's sensors can be
// snapshotted and restored warm on another gateway (DESIGN.md, Scale and availability).

import { isId, type ChannelId, type DeviceId, type SiteId } from '../contract/ids.js';
import { LEVELS, type Level } from '../contract/levels.js';
import { initialThresholdState, cloneThresholdState, type ThresholdState } from './threshold.js';

export interface SensorState {
  /** Keyed by rule id. A prototype-less object: a rule named `toString` must not find a function. */
  rules: Record<string, ThresholdState>;
}

export interface SensorRef {
  readonly site: SiteId;
  readonly device: DeviceId;
  readonly channel: ChannelId;
}

export function initialSensorState(): SensorState {
  return { rules: Object.create(null) as Record<string, ThresholdState> };
}

/** Ids cannot contain '/' (contract/ids.ts), so the key is unambiguous and reads like a topic. */
export function sensorKey(site: SiteId, device: DeviceId, channel: ChannelId): string {
  return `${site}/${device}/${channel}`;
}

export function parseSensorKey(key: string): SensorRef | null {
  const parts = key.split('/');
  if (parts.length !== 3 || !parts.every(isId)) return null;
  const [site, device, channel] = parts as [string, string, string];
  return { site: site as SiteId, device: device as DeviceId, channel: channel as ChannelId };
}

export function cloneSensorState(state: SensorState): SensorState {
  const out = initialSensorState();
  for (const ruleId of Object.keys(state.rules)) out.rules[ruleId] = cloneThresholdState(state.rules[ruleId]!);
  return out;
}

/**
 * Copies a snapshot entry that may have been through JSON: JSON turns -Infinity into null, so
 * lastTsMs comes back as null for a rule that never saw a reading. Throws on anything that is
 * not a state this module wrote, since loading garbage into a safety core is a programmer error.
 */
export function reviveSensorState(raw: SensorState): SensorState {
  const out = initialSensorState();
  for (const ruleId of Object.keys(raw.rules)) {
    const r = raw.rules[ruleId] as Partial<ThresholdState> | undefined;
    if (!isId(ruleId) || r === undefined || r === null) throw new TypeError(`snapshot: bad rule entry ${JSON.stringify(ruleId)}`);
    const level = r.level ?? null;
    if (level !== null && !LEVELS.includes(level as Level)) throw new TypeError(`snapshot: rule ${ruleId} has unknown level ${String(level)}`);
    const state = initialThresholdState();
    state.level = level;
    state.lastTsMs = typeof r.lastTsMs === 'number' ? r.lastTsMs : -Infinity;
    for (let rank = 0; rank < 4; rank++) {
      const since = r.since?.[rank];
      state.since[rank] = typeof since === 'number' ? since : null;
      const count = r.count?.[rank];
      state.count[rank] = typeof count === 'number' ? count : 0;
    }
    out.rules[ruleId] = state;
  }
  return out;
}
