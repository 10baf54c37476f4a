// The fleet as the running gateway holds it: every site with its devices, read by the parts that
// watch them, and changed while they run (API, command line, page, the YAML file at start and on
// SIGHUP). The registry (registry-store) owns the records; the parts follow its committed changes.
//
// A change is told per site, with the whole site before and after, because every follower thinks
// in sites: the broker's accounts, a site's detectors and their silence watches, the actuators a
// stop-work order commands, the names in a notification. A device added, edited or removed is a
// change of its site.

import type { DeviceConfig, SiteConfig } from '../config/schema.js';

/** One site's move. `before` absent: the site is new; `after` absent: it was removed. */
export interface SiteChange {
  readonly before: SiteConfig | undefined;
  readonly after: SiteConfig | undefined;
}

/** Who made a change and when, for the audit log. */
export interface FleetActor {
  readonly actor: string;
  readonly atMs: number;
}

/** The fleet now, and its changes as they are committed. */
export interface Fleet {
  sites(): readonly SiteConfig[];
  site(id: string): SiteConfig | undefined;
  device(site: string, device: string): DeviceConfig | undefined;
  /**
   * Called synchronously after each committed change, in commit order, with every site the
   * change touched. A large import comes in a few calls (a few thousand devices each), so that the
   * alarm path gets turns of the event loop between them. Returns the unsubscribe.
   */
  onChange(listener: (changes: readonly SiteChange[]) => void): () => void;
}

/** Who keeps a site's own fields: the config file wins over an API edit at the next start or SIGHUP. */
export interface SiteSources {
  siteSource(id: string): 'config' | 'registry' | undefined;
}

/** A part kept in step with the fleet without a restart. */
export interface FleetFollower {
  /** Takes committed changes; never throws for a change the registry accepted. */
  applySites(changes: readonly SiteChange[]): void;
}

/** A device whose replace-by day has come (CJJ/T 146-2011 service lives), for the page and the briefing. */
export interface DueDevice {
  readonly site: string;
  readonly device: DeviceConfig;
  /** YYYY-MM-DD. */
  readonly replaceBy: string;
}

/** One page of due devices; `next` continues after the last one, absent on the last page. */
export interface DuePage {
  readonly items: readonly DueDevice[];
  readonly next?: { readonly replaceBy: string; readonly site: string; readonly device: string };
}

/** Devices due for replacement on or before a day, within a scope, paged by (replaceBy, site, device). */
export interface DueReplacements {
  dueForReplacement(
    onOrBefore: string,
    scope: import('../contract/scope.js').Scope,
    page?: { readonly limit?: number; readonly after?: { readonly replaceBy: string; readonly site: string; readonly device: string } },
  ): DuePage;
}
