// `2026-12-07 22:15:03` on a zone's clock, fast: Intl's formatToParts costs ~10 µs a call, which
// made it nine tenths of an export's time (four times per alarm). The zone's offset is asked once
// per hour of time and the rest is arithmetic; an hour in which the offset changes (a DST switch,
// on the hour or the half hour) is formatted by Intl itself, so every answer equals formatLocal's.

import { formatLocal, localParts } from '../../../gateway/src/notify/local-time.js';

const HOUR_MS = 3_600_000;
/** Hours remembered per zone before starting over: a year of exports is 8 760. */
const MAX_HOURS = 100_000;

const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const wholeSecond = ms - (((ms % 1000) + 1000) % 1000);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - wholeSecond;
}

export type LocalClock = (ms: number) => string;

export function localClock(timeZone: string): LocalClock {
  // The offset of each hour, or null where it changes inside that hour.
  const offsets = new Map<number, number | null>();
  return (ms) => {
    const hour = Math.floor(ms / HOUR_MS);
    let offset = offsets.get(hour);
    if (offset === undefined) {
      const start = offsetAt(hour * HOUR_MS, timeZone);
      offset = start === offsetAt(hour * HOUR_MS + HOUR_MS - 1, timeZone) ? start : null;
      if (offsets.size >= MAX_HOURS) offsets.clear();
      offsets.set(hour, offset);
    }
    if (offset === null) return formatLocal(ms, timeZone);
    const d = new Date(ms + offset);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  };
}

const clocks = new Map<string, LocalClock>();

/** One clock per zone, shared by every export of the process. */
export function clockOf(timeZone: string): LocalClock {
  let clock = clocks.get(timeZone);
  if (!clock) {
    clock = localClock(timeZone);
    clocks.set(timeZone, clock);
  }
  return clock;
}
