// The sites the alarm service knows, kept in step with the fleet: their time zones (the local days
// of the alarm-system metrics) and their devices (the targets an officer may put out of service,
// and whether an alarm's device still exists).

import type { SiteChange } from '../registry/fleet.js';

/** A device by id (any channel counts as its own), or with its channels. */
export type DeviceEntry = string | { readonly id: string; readonly channels: readonly string[] };

export interface SiteEntry {
  readonly id: string;
  readonly timezone: string;
  readonly devices: readonly DeviceEntry[];
}

export class SiteDirectory {
  private readonly zones = new Map<string, string>();
  /** Per site, each device's channels (null: not told, any channel counts). */
  private readonly devices = new Map<string, Map<string, ReadonlySet<string> | null>>();

  /** Without sites (a service built alone, as in some tests) every site and device counts as known. */
  constructor(sites?: readonly SiteEntry[]) {
    this.complete = sites !== undefined;
    for (const site of sites ?? []) this.put(site);
  }

  readonly complete: boolean;

  siteIds(): string[] {
    return [...this.zones.keys()];
  }

  timeZone(site: string): string | undefined {
    return this.zones.get(site);
  }

  knowsSite(site: string): boolean {
    return !this.complete || this.devices.has(site);
  }

  /** A device of a site in the fleet now; a site's own pseudo-devices (`_site`) are the caller's. */
  knowsDevice(site: string, device: string): boolean {
    return !this.complete || this.devices.get(site)?.has(device) === true;
  }

  /** The sensor an alarm is about is in the fleet: its device, and its channel unless the alarm is
   * about the device or site as a whole (channels `_device`, `_site`). */
  knowsSensor(site: string, device: string, channel: string): boolean {
    if (!this.complete) return true;
    const channels = this.devices.get(site)?.get(device);
    if (channels === undefined) return false;
    return channels === null || channel.startsWith('_') || channels.has(channel);
  }

  applySites(changes: readonly SiteChange[]): void {
    for (const { before, after } of changes) {
      if (after) this.put({ id: after.id, timezone: after.timezone, devices: after.devices.map((d) => ({ id: d.id, channels: Object.keys(d.channels) })) });
      else if (before) {
        this.zones.delete(before.id);
        this.devices.delete(before.id);
      }
    }
  }

  private put(site: SiteEntry): void {
    this.zones.set(site.id, site.timezone);
    this.devices.set(site.id, new Map(site.devices.map((d) => (typeof d === 'string' ? [d, null] : [d.id, new Set(d.channels)]))));
  }
}
