// Partial bucket aggregates of one channel (count, sum, min, max, and the latest point by
// (ts, seq)): pure. Parts from raw samples, from the drain-time minute table and from the retired
// minute table merge exactly, so a bucket may be put together from any of them.

import type { HistoryAgg, HistoryPoint } from './telemetry-store.js';

export const MINUTE_MS = 60_000;

export interface Part {
  /** Bucket start (ms since the epoch). */
  b: number;
  n: number;
  s: number;
  mn: number;
  mx: number;
  /** Value, ts and seq of the bucket's latest point. */
  lv: number;
  lt: number;
  ls: number;
}

/** The start of the bucket `tsMs` falls in: multiples of `everyMs` since the epoch, as InfluxQL's GROUP BY time(). */
export function bucketOf(tsMs: number, everyMs: number): number {
  return Math.floor(tsMs / everyMs) * everyMs;
}

export function pointPart(b: number, tsMs: number, seq: number, v: number): Part {
  return { b, n: 1, s: v, mn: v, mx: v, lv: v, lt: tsMs, ls: seq };
}

/** Adds one point to a part of the same bucket. */
export function addPoint(into: Part, tsMs: number, seq: number, v: number): void {
  into.n++;
  into.s += v;
  if (v < into.mn) into.mn = v;
  if (v > into.mx) into.mx = v;
  if (tsMs > into.lt || (tsMs === into.lt && seq > into.ls)) {
    into.lv = v;
    into.lt = tsMs;
    into.ls = seq;
  }
}

export function mergeInto(into: Part, p: Part): void {
  into.n += p.n;
  into.s += p.s;
  into.mn = Math.min(into.mn, p.mn);
  into.mx = Math.max(into.mx, p.mx);
  if (p.lt > into.lt || (p.lt === into.lt && p.ls > into.ls)) {
    into.lv = p.lv;
    into.lt = p.lt;
    into.ls = p.ls;
  }
}

/** Parts merged per bucket, oldest bucket first; the inputs are left as they were. */
export function mergeParts(parts: readonly Part[]): Part[] {
  const byBucket = new Map<number, Part>();
  for (const p of parts) {
    const seen = byBucket.get(p.b);
    if (seen) mergeInto(seen, p);
    else byBucket.set(p.b, { ...p });
  }
  return [...byBucket.values()].sort((a, b) => a.b - b.b);
}

/** Raw points in (ts, seq) order folded into buckets of `everyMs`, oldest first. */
export function foldPoints(rows: readonly (readonly [tsMs: number, seq: number, v: number])[], everyMs: number): Part[] {
  const out: Part[] = [];
  let cur: Part | undefined;
  for (const [tsMs, seq, v] of rows) {
    const b = bucketOf(tsMs, everyMs);
    if (cur && cur.b === b) addPoint(cur, tsMs, seq, v);
    else out.push((cur = pointPart(b, tsMs, seq, v)));
  }
  return out;
}

export function partPoint(p: Part, agg: HistoryAgg): HistoryPoint {
  return { tsMs: p.b, value: agg === 'mean' ? p.s / p.n : agg === 'min' ? p.mn : agg === 'max' ? p.mx : p.lv, seq: p.ls, count: p.n };
}
