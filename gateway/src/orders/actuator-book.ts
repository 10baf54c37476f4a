// The valves and fans each site's stop-work order commands, kept in step with the fleet: a
// change says which actuators a site gained, so an order already in force commands them at once.

import type { SiteConfig } from '../config/schema.js';
import type { SiteChange } from '../registry/fleet.js';

export interface Actuator {
  readonly device: string;
  readonly kind: 'valve' | 'fan';
}

function actuatorsOf(site: SiteConfig): Actuator[] {
  const out: Actuator[] = [];
  for (const d of site.devices) if (d.kind === 'valve' || d.kind === 'fan') out.push({ device: d.id, kind: d.kind });
  return out;
}

export class ActuatorBook {
  private readonly bySite = new Map<string, readonly Actuator[]>();

  constructor(sites: Iterable<SiteConfig>) {
    for (const site of sites) this.bySite.set(site.id, actuatorsOf(site));
  }

  get(site: string): readonly Actuator[] | undefined {
    return this.bySite.get(site);
  }

  /** Takes the changes; returns, per site, the actuators it gained (a device that became a valve counts). */
  applySites(changes: readonly SiteChange[]): { site: string; added: Actuator[] }[] {
    const gained: { site: string; added: Actuator[] }[] = [];
    for (const { before, after } of changes) {
      if (after === undefined) {
        if (before) this.bySite.delete(before.id);
        continue;
      }
      const old = this.bySite.get(after.id) ?? [];
      const now = actuatorsOf(after);
      this.bySite.set(after.id, now);
      const added = now.filter((a) => !old.some((o) => o.device === a.device && o.kind === a.kind));
      if (added.length > 0) gained.push({ site: after.id, added });
    }
    return gained;
  }
}
