// The sites the API routes look devices and sites up in (ApiContext.sites): the live fleet registry
// when the gateway has one, so a site or device added through the API is found by the device list,
// history and out-of-service at once; the configuration's list otherwise (tests, older wiring).

import type { SiteConfig } from '../../gateway/src/config/schema.js';
import type { Fleet } from '../../gateway/src/registry/fleet.js';

/** A read-only map over the registry: each call reads it, nothing is copied at start. */
export function liveSites(fleet: Pick<Fleet, 'site' | 'sites'>): ReadonlyMap<string, SiteConfig> {
  const entries = () => fleet.sites().map((s) => [s.id, s] as [string, SiteConfig]);
  return {
    get: (id) => fleet.site(id),
    has: (id) => fleet.site(id) !== undefined,
    get size() {
      return fleet.sites().length;
    },
    forEach(cb, thisArg) {
      for (const [id, s] of entries()) cb.call(thisArg, s, id, this);
    },
    entries: () => entries()[Symbol.iterator]() as MapIterator<[string, SiteConfig]>,
    keys: () => entries().map(([id]) => id)[Symbol.iterator]() as MapIterator<string>,
    values: () => fleet.sites()[Symbol.iterator]() as MapIterator<SiteConfig>,
    [Symbol.iterator]: () => entries()[Symbol.iterator]() as MapIterator<[string, SiteConfig]>,
  };
}
