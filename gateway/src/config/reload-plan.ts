// What a re-read config file changes (SIGHUP), split into what the running gateway applies at once
// and what waits for a restart. Pure: two validated configs in, two lists of paths out.
//
// Applied live: `log.level` (the pino root's level; module loggers follow it), `notify.roster`
// (who is on duty: people, contacts, shifts, time zone), since duty rosters change every week and
// a restart for each would drop the live stream of every officer's page, and the fleet: `sites[…]`,
// `regions` and `organisations` go to the fleet registry (registry/apply-config.ts), whose
// followers take them without a restart. Everything else is built into the parts at start
// (detection rules, notification channels, the API, the broker's listeners) and needs a restart;
// the gateway says which.

import { isDeepStrictEqual } from 'node:util';
import type { Config } from './schema.js';

export interface ReloadPlan {
  /** Paths whose new value the gateway takes now. */
  readonly live: readonly string[];
  /** Paths whose new value takes effect only after a restart. */
  readonly restart: readonly string[];
}

/** Paths a running gateway can take without a restart (`sites[id]` for any site id). */
export const LIVE_PATHS: readonly string[] = ['log.level', 'notify.roster', 'regions', 'organisations', 'sites[…]'];

/** A path the fleet registry takes (registry/apply-config.ts). */
export function isFleetPath(path: string): boolean {
  return path === 'regions' || path === 'organisations' || path.startsWith('sites[');
}

const isLive = (path: string): boolean => LIVE_PATHS.includes(path) || isFleetPath(path);

function changedPaths(before: Config, after: Config): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof Config>;
  for (const key of keys) {
    if (isDeepStrictEqual(before[key], after[key])) continue;
    if (key === 'sites') {
      // By site id, so "sites[kitchen-07]" says which site to look at.
      const old = new Map(before.sites.map((s) => [s.id, s]));
      const now = new Map(after.sites.map((s) => [s.id, s]));
      for (const id of new Set([...old.keys(), ...now.keys()])) if (!isDeepStrictEqual(old.get(id), now.get(id))) out.push(`sites[${id}]`);
    } else if (key === 'log' || key === 'notify') {
      // By key inside the section, so a roster change is told from a channel change.
      const a = before[key] as Record<string, unknown>;
      const b = after[key] as Record<string, unknown>;
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (!isDeepStrictEqual(a[k], b[k])) out.push(`${key}.${k}`);
    } else out.push(key);
  }
  return out;
}

export function reloadPlan(before: Config, after: Config): ReloadPlan {
  const changed = changedPaths(before, after);
  return { live: changed.filter(isLive), restart: changed.filter((p) => !isLive(p)) };
}
