// The valves and fans each site's stop-work order commands, kept in step with the fleet: a
// change says which actuators a site gained, so an order already in force commands them at once.

import type { SiteConfig } from '../config/schema.js';
import type { SiteChange } from '../registry/fleet.js';

export interface Actuator {
  readonly device: string;
  readonly kind: 'valve' | 'fan';
  /** The device's own site when it obeys another site's orders (devices[].obeys); absent: the site itself. */
  readonly site?: string;
}

function ownActuators(site: SiteConfig): Actuator[] {
  const out: Actuator[] = [];
  for (const d of site.devices) if (d.kind === 'valve' || d.kind === 'fan') out.push({ device: d.id, kind: d.kind });
  return out;
}

/** The actuators of `site` that obey other sites' orders, by the site they obey. */
function obeying(site: SiteConfig): [string, Actuator][] {
  const out: [string, Actuator][] = [];
  for (const d of site.devices) {
    if (d.kind !== 'valve' && d.kind !== 'fan') continue;
    for (const target of d.obeys ?? []) if (target !== site.id) out.push([target, { device: d.id, kind: d.kind, site: site.id }]);
  }
  return out;
}

const same = (a: Actuator, b: Actuator): boolean => a.device === b.device && a.kind === b.kind && a.site === b.site;

export class ActuatorBook {
  private readonly own = new Map<string, readonly Actuator[]>();
  /** By the site whose orders they obey: `site/device` of the obeying actuator → it. */
  private readonly obeyers = new Map<string, Map<string, Actuator>>();

  constructor(sites: Iterable<SiteConfig>) {
    for (const site of sites) this.put(site);
  }

  /** The site's own valves and fans, then those of other sites that obey its orders. */
  get(site: string): readonly Actuator[] | undefined {
    const own = this.own.get(site);
    const others = this.obeyers.get(site);
    if (others === undefined || others.size === 0) return own;
    return [...(own ?? []), ...others.values()];
  }

  /** Takes the changes; returns, per site, the actuators its orders gained (its own or obeying ones). */
  applySites(changes: readonly SiteChange[]): { site: string; added: Actuator[] }[] {
    // Every site whose list a change can touch: the site, and the sites its actuators obey(ed).
    const touched = new Set<string>();
    for (const { before, after } of changes) {
      for (const s of [before, after]) {
        if (s === undefined) continue;
        touched.add(s.id);
        for (const [target] of obeying(s)) touched.add(target);
      }
    }
    const was = new Map([...touched].map((t) => [t, this.get(t) ?? []]));
    for (const { before, after } of changes) {
      if (before) this.drop(before);
      if (after) this.put(after);
    }
    const gained: { site: string; added: Actuator[] }[] = [];
    for (const [site, old] of was) {
      const added = (this.get(site) ?? []).filter((a) => !old.some((o) => same(o, a)));
      if (added.length > 0) gained.push({ site, added });
    }
    return gained;
  }

  private put(site: SiteConfig): void {
    this.own.set(site.id, ownActuators(site));
    for (const [target, a] of obeying(site)) {
      let map = this.obeyers.get(target);
      if (map === undefined) this.obeyers.set(target, (map = new Map()));
      map.set(`${site.id}/${a.device}`, a);
    }
  }

  private drop(site: SiteConfig): void {
    this.own.delete(site.id);
    for (const [target, a] of obeying(site)) this.obeyers.get(target)?.delete(`${site.id}/${a.device}`);
  }
}
