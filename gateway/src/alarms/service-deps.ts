// What the alarm service is built from, and the defaults of its officers' time limits.

import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { ChatterPolicy } from './chattering.js';
import type { FloodPolicy } from './flood.js';
import type { PendingLimits } from './pending-saves.js';
import type { AlarmRepository } from './repository.js';
import type { SiteEntry } from './site-directory.js';

/** One shift (8 h): a shelf never outlives the officer who set it, so the next shift does not
 * inherit a silenced alarm it never decided on. ISA-18.2 asks only that shelving be time-limited. */
export const DEFAULT_SHELVE_MAX_MS = 8 * 3_600_000;
/** No standard figure found: 72 h covers a maintenance visit over a weekend; longer needs a new,
 * audited spell rather than a forgotten one. */
export const DEFAULT_OUT_OF_SERVICE_MAX_MS = 72 * 3_600_000;

/** What the alarm service is built from: the repository, the bus, the clock and the log, and
 * its policies (each with the default the comment beside it names). */
export interface AlarmServiceDeps {
  readonly repo: AlarmRepository;
  readonly events: EventBus;
  readonly clock: () => number;
  readonly log: Logger;
  readonly chatter?: ChatterPolicy;
  /** ISA-18.2: an alarm active longer than this (24 h by default) is a stale alarm, flagged once. */
  readonly staleAlarmMs?: number;
  readonly shelveMaxMs?: number;
  readonly outOfServiceMaxMs?: number;
  readonly flood?: FloodPolicy;
  /** Configured sites: their time zones (metrics days) and devices (out-of-service targets). */
  readonly sites?: readonly SiteEntry[];
  /** Bounds of the moves held while the database refuses saves (pending-saves.ts). */
  readonly pendingLimits?: PendingLimits;
}
