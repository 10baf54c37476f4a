// Deadline arithmetic for work orders: "within N hours" and "by the end of the local day" in the
// site's IANA time zone. Pure; uses Intl so a site in Urumqi or abroad gets its own midnight.

const HOUR_MS = 3_600_000;

export function dueWithinHours(atMs: number, hours: number): number {
  return atMs + hours * HOUR_MS;
}

/** The offset (local − UTC, ms) of `timeZone` at instant `atMs`. */
export function zoneOffsetMs(atMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(atMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

/**
 * The first local midnight strictly after `atMs`, `days` local days later (days=1 → the coming
 * midnight, "today"). A dispatch at 23:59 local is due at 00:00, one minute later; callers that
 * want a usable window pass days=2.
 */
export function dueEndOfLocalDay(atMs: number, timeZone: string, days = 1): number {
  const offset = zoneOffsetMs(atMs, timeZone);
  const local = new Date(atMs + offset);
  const midnightLocalAsUtc = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + days);
  // Resolve the local wall time back to an instant with the offset that holds then (DST zones).
  const guess = midnightLocalAsUtc - offset;
  return midnightLocalAsUtc - zoneOffsetMs(guess, timeZone);
}

/** Minutes past due (0 when not yet due): the overdue notice says how late. */
export function minutesOverdue(dueAtMs: number, nowMs: number): number {
  return nowMs <= dueAtMs ? 0 : Math.floor((nowMs - dueAtMs) / 60_000);
}
