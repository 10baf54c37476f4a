// Deadline days of the hazard ledger in the site's wall clock: a rectification deadline is a date
// (整改期限 "2026-12-31"), met until the end of that day where the site is, not where the server is.
// Pure (Intl only): the machine and the reminder clock share it.

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallOf(ms: number, timeZone: string): { date: string; wallMs: number } {
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) p[part.type] = part.value;
  const date = `${p.year}-${p.month}-${p.day}`;
  return { date, wallMs: Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) };
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDate(date: string): boolean {
  const m = DATE.exec(date);
  if (!m) return false;
  const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return at.toISOString().slice(0, 10) === date;
}

/** The site's calendar date at an instant. */
export function localDateOf(ms: number, timeZone: string): string {
  return wallOf(ms, timeZone).date;
}

/**
 * The first instant of `date` in the zone. Midnight may not exist (a zone that springs forward at
 * 00:00, as Santiago does) or the offset may change across it, so both offsets around the day are
 * tried and the earliest instant that the zone calls `date` wins.
 */
export function startOfLocalDayMs(date: string, timeZone: string): number {
  const m = DATE.exec(date);
  if (!m) throw new Error(`not a date: ${date}`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const offsetAt = (ms: number) => wallOf(ms, timeZone).wallMs - Math.floor(ms / 1000) * 1000;
  const candidates = [wall - offsetAt(wall - DAY_MS), wall - offsetAt(wall + DAY_MS), wall - offsetAt(wall)].filter((c) => wallOf(c, timeZone).date === date);
  if (candidates.length === 0) throw new Error(`no instant of ${date} in ${timeZone}`);
  return Math.min(...candidates);
}

/** The instant a deadline date ends: the first instant of the next day in the zone. */
export function deadlineEndMs(date: string, timeZone: string): number {
  return startOfLocalDayMs(addDays(date, 1), timeZone);
}

/** The calendar date `days` after `date`. */
export function addDays(date: string, days: number): string {
  const m = DATE.exec(date);
  if (!m) throw new Error(`not a date: ${date}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days)).toISOString().slice(0, 10);
}

/** Whole calendar days from the site's today to the deadline date: 0 on the day, -1 the day after. */
export function daysLeft(deadlineDate: string, nowMs: number, timeZone: string): number {
  const today = localDateOf(nowMs, timeZone);
  return Math.round((Date.parse(`${deadlineDate}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS);
}
