// The registry's sites and devices as the running gateway holds them in memory: each site's
// frozen SiteConfig, rebuilt only when one of its records moves, in the file's order (pos, id).
// Changed only by live-fleet.ts after its transaction committed.

import type { DeviceConfig, SiteConfig } from '../config/schema.js';
import { shareChannels } from '../config/share-channels.js';
import type { SiteBody, Source, StoredDevice, StoredSite } from './registry-store.js';

export interface DeviceEntry {
  readonly device: DeviceConfig;
  readonly source: Source;
  readonly pos: number;
}

export interface SiteEntry {
  body: SiteBody;
  source: Source;
  pos: number;
  /** Kept in (pos, id) order; `sorted` false after an insertion out of order. */
  devices: Map<string, DeviceEntry>;
  sorted: boolean;
  /** The last device in the map and the highest pos ever given (a new one goes after it). */
  tail: { pos: number; id: string } | undefined;
  maxPos: number;
  config: SiteConfig;
}

const byPos = (a: { pos: number; id: string }, b: { pos: number; id: string }) => a.pos - b.pos || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A device as read back from its JSON: channels shared and frozen as the config loader does. */
export function frozenDevice(device: DeviceConfig): DeviceConfig {
  return deepFreeze({ ...device, channels: shareChannels(device.channels) });
}

export class FleetMemory {
  private readonly entries = new Map<string, SiteEntry>();
  private sitesSorted = true;
  private tail: { pos: number; id: string } | undefined;
  private maxPos = -1;
  private list: readonly SiteConfig[] | null = null;

  constructor(sites: readonly StoredSite[], devices: readonly StoredDevice[]) {
    for (const s of sites) this.setSite(s.body, s.source, s.pos);
    for (const d of devices) this.setDevice(d.site, frozenDevice(d.device), d.source, d.pos);
    for (const id of this.entries.keys()) this.rebuild(id);
  }

  entry(id: string): SiteEntry | undefined {
    return this.entries.get(id);
  }

  ids(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** Every site, in (pos, id) order; one array shared until the next change. */
  sites(): readonly SiteConfig[] {
    if (this.list === null) {
      if (!this.sitesSorted) {
        const sorted = [...this.entries.entries()].sort(([a, x], [b, y]) => byPos({ pos: x.pos, id: a }, { pos: y.pos, id: b }));
        this.entries.clear();
        for (const [id, e] of sorted) this.entries.set(id, e);
        this.sitesSorted = true;
        const [id, e] = sorted.at(-1) ?? [];
        this.tail = id !== undefined ? { pos: e!.pos, id } : undefined;
      }
      this.list = Object.freeze([...this.entries.values()].map((e) => e.config));
    }
    return this.list;
  }

  nextSitePos(): number {
    return this.maxPos + 1;
  }

  nextDevicePos(site: string): number {
    return (this.entries.get(site)?.maxPos ?? -1) + 1;
  }

  setSite(body: SiteBody, source: Source, pos: number): void {
    const e = this.entries.get(body.id);
    if (e) {
      if (e.pos !== pos) this.sitesSorted = false;
      Object.assign(e, { body, source, pos });
    } else {
      if (this.tail !== undefined && byPos(this.tail, { pos, id: body.id }) > 0) this.sitesSorted = false;
      this.tail = { pos, id: body.id };
      this.entries.set(body.id, { body, source, pos, devices: new Map(), sorted: true, tail: undefined, maxPos: -1, config: { ...body, devices: [] } });
    }
    this.maxPos = Math.max(this.maxPos, pos);
    this.list = null;
  }

  removeSite(id: string): void {
    this.entries.delete(id);
    this.list = null;
  }

  setDevice(site: string, device: DeviceConfig, source: Source, pos: number): void {
    const e = this.entries.get(site);
    if (!e) return;
    const had = e.devices.get(device.id);
    if (had ? had.pos !== pos : e.tail !== undefined && byPos(e.tail, { pos, id: device.id }) > 0) e.sorted = false;
    if (!had) e.tail = { pos, id: device.id };
    e.maxPos = Math.max(e.maxPos, pos);
    e.devices.set(device.id, { device, source, pos });
  }

  removeDevice(site: string, id: string): void {
    this.entries.get(site)?.devices.delete(id);
  }

  /** Makes a site's frozen SiteConfig again from its records (after they moved). */
  rebuild(id: string): SiteConfig | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (!e.sorted) {
      const sorted = [...e.devices.values()].sort((a, b) => byPos({ pos: a.pos, id: a.device.id }, { pos: b.pos, id: b.device.id }));
      e.devices = new Map(sorted.map((d) => [d.device.id, d]));
      e.sorted = true;
      const last = sorted.at(-1);
      e.tail = last ? { pos: last.pos, id: last.device.id } : undefined;
    }
    e.config = deepFreeze({ ...e.body, devices: [...e.devices.values()].map((d) => d.device) });
    this.list = null;
    return e.config;
  }
}
