// The window a scheduled round must be done in: a calendar month (or week) in the site's own time
// zone, so a round due "in March" in Urumqi ends at local midnight, not at UTC midnight.

export type Cadence = 'monthly' | 'weekly';

export interface RoundWindow {
  /** First instant inside the window. */
  readonly startMs: number;
  /** First instant after the window: the round is overdue from here. */
  readonly endMs: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // Throws RangeError on an unknown zone: config validation names the field before this runs.
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(atMs: number, timeZone: string): number {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(atMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

/** The instant of local midnight starting a calendar day in a zone. */
export function localMidnightMs(year: number, month1: number, day: number, timeZone: string): number {
  const naive = Date.UTC(year, month1 - 1, day);
  // Two passes: the offset at the guess can differ from the offset at the answer across a DST change.
  let at = naive - zoneOffsetMs(naive, timeZone);
  at = naive - zoneOffsetMs(at, timeZone);
  return at;
}

/** The local calendar date of an instant in a zone. */
export function localDate(atMs: number, timeZone: string): { year: number; month1: number; day: number } {
  const d = new Date(atMs + zoneOffsetMs(atMs, timeZone));
  return { year: d.getUTCFullYear(), month1: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The local month "YYYY-MM" an instant falls in. */
export function localMonth(atMs: number, timeZone: string): string {
  const { year, month1 } = localDate(atMs, timeZone);
  return `${year}-${String(month1).padStart(2, '0')}`;
}

/** The window of a local month "YYYY-MM". */
export function monthWindow(month: string, timeZone: string): RoundWindow {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (m === null) throw new RangeError(`monthWindow: not a YYYY-MM month: ${month}`);
  const year = Number(m[1]);
  const month1 = Number(m[2]);
  if (month1 < 1 || month1 > 12) throw new RangeError(`monthWindow: month out of range: ${month}`);
  const next = month1 === 12 ? { y: year + 1, m: 1 } : { y: year, m: month1 + 1 };
  return { startMs: localMidnightMs(year, month1, 1, timeZone), endMs: localMidnightMs(next.y, next.m, 1, timeZone) };
}

/** The window of the cadence period containing an instant (weeks start on Monday, local). */
export function windowAt(atMs: number, cadence: Cadence, timeZone: string): RoundWindow {
  if (cadence === 'monthly') return monthWindow(localMonth(atMs, timeZone), timeZone);
  const { year, month1, day } = localDate(atMs, timeZone);
  const weekday = (new Date(Date.UTC(year, month1 - 1, day)).getUTCDay() + 6) % 7; // Monday 0
  const monday = new Date(Date.UTC(year, month1 - 1, day - weekday));
  const nextMonday = new Date(Date.UTC(year, month1 - 1, day - weekday + 7));
  return {
    startMs: localMidnightMs(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), timeZone),
    endMs: localMidnightMs(nextMonday.getUTCFullYear(), nextMonday.getUTCMonth() + 1, nextMonday.getUTCDate(), timeZone),
  };
}
