// The sites the alarm service knows, kept in step with the fleet: their time zones (the local days
// of the alarm-system metrics) and their devices (the targets an officer may put out of service,
// and whether an alarm's device still exists).

import type { SiteChange } from '../registry/fleet.js';

export interface SiteEntry {
  readonly id: string;
  readonly timezone: string;
  readonly devices: readonly string[];
}

export class SiteDirectory {
  private readonly zones = new Map<string, string>();
  private readonly devices = new Map<string, Set<string>>();

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

  applySites(changes: readonly SiteChange[]): void {
    for (const { before, after } of changes) {
      if (after) this.put({ id: after.id, timezone: after.timezone, devices: after.devices.map((d) => d.id) });
      else if (before) {
        this.zones.delete(before.id);
        this.devices.delete(before.id);
      }
    }
  }

  private put(site: SiteEntry): void {
    this.zones.set(site.id, site.timezone);
    this.devices.set(site.id, new Set(site.devices));
  }
}
