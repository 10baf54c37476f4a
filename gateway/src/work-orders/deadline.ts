// Deadline arithmetic for work orders: "within N hours" and "by the end of the local day" in the
// site's IANA time zone. Pure; uses Intl so a site in Urumqi or abroad gets its own midnight.

import { addDays, localDateOf, startOfLocalDayMs } from '../hazards/deadline.js';

export { zoneOffsetMs } from '../inspections/window.js';

const HOUR_MS = 3_600_000;

export function dueWithinHours(atMs: number, hours: number): number {
  return atMs + hours * HOUR_MS;
}

/**
 * The first local midnight strictly after `atMs`, `days` local days later (days=1 → the coming
 * midnight, "today"). A dispatch at 23:59 local is due at 00:00, one minute later; callers that
 * want a usable window pass days=2. The calendar arithmetic is the hazard ledger's (a midnight that
 * does not exist, an offset that changes across the day).
 */
export function dueEndOfLocalDay(atMs: number, timeZone: string, days = 1): number {
  return startOfLocalDayMs(addDays(localDateOf(atMs, timeZone), days), timeZone);
}

/** Minutes past due (0 when not yet due): the overdue notice says how late. */
export function minutesOverdue(dueAtMs: number, nowMs: number): number {
  return nowMs <= dueAtMs ? 0 : Math.floor((nowMs - dueAtMs) / 60_000);
}
