// Which quantity each channel of each device measures: from the fleet, never from the payload.
// Devices of the same profile (same channels, same quantities, same order) share one map: a fleet
// of 50 000 identical detectors holds one, not 50 000 small maps. Kept in step with the fleet
// (put, remove) so a device added is watched at its first reading and a removed one is "unknown".

import type { Quantity } from '../config/quantities.js';
import type { DeviceConfig, SiteConfig } from '../config/schema.js';

export type ChannelProfile = ReadonlyMap<string, Quantity>;

/** What the reading pipeline reads: a device's profile by `site/device`. */
export interface ProfileLookup {
  get(key: string): ChannelProfile | undefined;
}

export class ChannelProfiles implements ProfileLookup {
  private readonly byDevice = new Map<string, ChannelProfile>();
  /** One map per distinct profile, by its signature; never shrinks (bounded by the distinct profiles). */
  private readonly shared = new Map<string, ChannelProfile>();

  constructor(sites: Iterable<SiteConfig> = []) {
    for (const site of sites) for (const device of site.devices) this.put(site.id, device);
  }

  get size(): number {
    return this.byDevice.size;
  }

  get(key: string): ChannelProfile | undefined {
    return this.byDevice.get(key);
  }

  /** Adds a device or replaces its profile (channels added, removed or re-typed). */
  put(site: string, device: DeviceConfig): void {
    const entries = Object.entries(device.channels).map(([channel, spec]): [string, Quantity] => [channel, spec.quantity]);
    // JSON of [channel, quantity] pairs: ids and quantities cannot collide with its punctuation.
    const signature = JSON.stringify(entries);
    let channels = this.shared.get(signature);
    if (channels === undefined) this.shared.set(signature, (channels = new Map(entries)));
    this.byDevice.set(`${site}/${device.id}`, channels);
  }

  remove(site: string, device: string): void {
    this.byDevice.delete(`${site}/${device}`);
  }
}
