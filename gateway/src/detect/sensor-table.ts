// The engine's sensors, found by site, device and channel on every reading. At 100 000 sensors
// each object a lookup passes through is a likely cache miss, so the path is short: one map by
// device id, then the device's sensors chained through `next` (a device has a handful of
// channels: a walk of one or two entries beats a map object and its table). A device id used at
// more than one site gets a map by site under it, so a common id ("gd-01" in every kitchen)
// costs one more lookup rather than a long walk. The sensor's entry carries its state's place in
// the slab itself, not through another object.

import type { ChannelId, DeviceId, SiteId } from '../contract/ids.js';
import type { Quantity } from '../config/quantities.js';
import type { RuleState } from './sensor-state.js';
import type { StateSlab } from './state-slab.js';

/** The rules one sensor runs, in order, with where each rule's state sits in the sensor's slot. */
export interface RuleSet<C> {
  readonly rules: readonly C[];
  /** offsets[i]: rules[i]'s state from the start of a slot. */
  readonly offsets: readonly number[];
  /** null for the empty set, which needs no slot. */
  readonly slots: StateSlab | null;
}

export interface SensorEntry<C> {
  readonly site: SiteId;
  readonly device: DeviceId;
  readonly channel: ChannelId;
  /** The device's next sensor. */
  next: SensorEntry<C> | undefined;
  /** Resolved on the first reading: load() does not know the channel's quantity. */
  quantity: Quantity | null;
  set: RuleSet<C>;
  /** rules[i]'s state is at slab[base + set.offsets[i]] (no lookup by rule id on the hot path). */
  slab: Float64Array;
  base: number;
  /** States loaded from a snapshot, by rule id, until the first reading says which rules apply. */
  loaded: Record<string, RuleState> | null;
}

export const NO_SLAB = new Float64Array(0);

/** The sensors of one device id: one site's chain, or a chain per site once a second site uses the id. */
type Bucket<C> = SensorEntry<C> | Map<SiteId, SensorEntry<C>>;

// By device id rather than one map keyed by sensorKey(): the ids arrive as separate strings, and
// joining them on every reading would allocate on the hot path.
export class SensorTable<C> {
  private readonly byDevice = new Map<DeviceId, Bucket<C>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  find(site: SiteId, device: DeviceId, channel: ChannelId): SensorEntry<C> | undefined {
    const bucket = this.byDevice.get(device);
    if (bucket === undefined) return undefined;
    let e = bucket instanceof Map ? bucket.get(site) : bucket.site === site ? bucket : undefined;
    while (e !== undefined && e.channel !== channel) e = e.next;
    return e;
  }

  /** A new sensor with no rules yet; the caller makes sure it is not there already. */
  add(site: SiteId, device: DeviceId, channel: ChannelId, empty: RuleSet<C>): SensorEntry<C> {
    const bucket = this.byDevice.get(device);
    const entry: SensorEntry<C> = { site, device, channel, next: undefined, quantity: null, set: empty, slab: NO_SLAB, base: 0, loaded: null };
    this.count++;
    if (bucket === undefined || (!(bucket instanceof Map) && bucket.site === site)) {
      entry.next = bucket;
      this.byDevice.set(device, entry);
      return entry;
    }
    // A second site uses this device id: from now on its sensors are kept per site.
    const bySite = bucket instanceof Map ? bucket : new Map([[bucket.site, bucket]]);
    entry.next = bySite.get(site);
    bySite.set(site, entry);
    this.byDevice.set(device, bySite);
    return entry;
  }

  /** Removes a device's sensors at one site (only `channels`, when given); returns them. */
  remove(site: SiteId, device: DeviceId, channels?: readonly ChannelId[]): SensorEntry<C>[] {
    const bucket = this.byDevice.get(device);
    if (bucket === undefined) return [];
    const first = bucket instanceof Map ? bucket.get(site) : bucket.site === site ? bucket : undefined;
    const removed: SensorEntry<C>[] = [];
    let kept: SensorEntry<C> | undefined;
    let tail: SensorEntry<C> | undefined;
    for (let e = first; e !== undefined; ) {
      const next = e.next;
      if (channels === undefined || channels.includes(e.channel)) removed.push(e);
      else {
        e.next = undefined;
        if (tail === undefined) kept = e;
        else tail.next = e;
        tail = e;
      }
      e = next;
    }
    this.count -= removed.length;
    if (bucket instanceof Map) {
      if (kept === undefined) bucket.delete(site);
      else bucket.set(site, kept);
      if (bucket.size === 0) this.byDevice.delete(device);
    } else if (first !== undefined) {
      if (kept === undefined) this.byDevice.delete(device);
      else this.byDevice.set(device, kept);
    }
    return removed;
  }

  *entries(): IterableIterator<SensorEntry<C>> {
    for (const bucket of this.byDevice.values()) {
      for (const first of bucket instanceof Map ? bucket.values() : [bucket]) for (let e: SensorEntry<C> | undefined = first; e !== undefined; e = e.next) yield e;
    }
  }
}
