// What a fleet change did to a site's devices, as the watching parts need it: which devices came,
// went or changed, and which of a changed device's channels went or now measure another quantity
// (their detection and health state no longer describes anything). Pure.

import type { DeviceConfig, SiteConfig } from '../config/schema.js';

export interface DeviceMove {
  readonly before: DeviceConfig;
  readonly after: DeviceConfig;
  /** Channels removed, or whose quantity changed: their state is dropped. */
  readonly channelsGone: readonly string[];
}

export interface DeviceDiff {
  readonly added: readonly DeviceConfig[];
  readonly removed: readonly DeviceConfig[];
  /** Devices in both whose record changed (the same object twice is not a change). */
  readonly changed: readonly DeviceMove[];
}

export function deviceDiff(before: SiteConfig | undefined, after: SiteConfig | undefined): DeviceDiff {
  const old = new Map((before?.devices ?? []).map((d) => [d.id, d]));
  const added: DeviceConfig[] = [];
  const changed: DeviceMove[] = [];
  for (const d of after?.devices ?? []) {
    const was = old.get(d.id);
    old.delete(d.id);
    if (was === undefined) added.push(d);
    else if (was !== d && JSON.stringify(was) !== JSON.stringify(d)) {
      const channelsGone = Object.keys(was.channels).filter((c) => d.channels[c]?.quantity !== was.channels[c]!.quantity);
      changed.push({ before: was, after: d, channelsGone });
    }
  }
  return { added, removed: [...old.values()], changed };
}

/** Whether the site's own rules may have changed: its preset, levels or overrides. */
export function presetChanged(before: SiteConfig | undefined, after: SiteConfig | undefined): boolean {
  const rulesOf = (s: SiteConfig | undefined) => JSON.stringify([s?.preset, s?.reservoirLevels, s?.ruleOverrides]);
  return rulesOf(before) !== rulesOf(after);
}
