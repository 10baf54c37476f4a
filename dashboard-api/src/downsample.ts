// Buckets of a fixed width over a channel's points (history charts): pure. Used after the store,
// so it also holds when the store returned raw points; on points the store already bucketed by
// the same width it changes nothing (each bucket holds one point).

export type Every = 'raw' | '10s' | '1m' | '1h';
export type Agg = 'mean' | 'min' | 'max' | 'last';

export const EVERY_MS: Record<Exclude<Every, 'raw'>, number> = { '10s': 10_000, '1m': 60_000, '1h': 3_600_000 };

/** Points in time order; each bucket is stamped with its start. */
export function downsample(points: readonly { tsMs: number; value: number }[], everyMs: number, agg: Agg): { tsMs: number; value: number }[] {
  const out: { tsMs: number; value: number }[] = [];
  let start = Number.NaN;
  let sum = 0;
  let n = 0;
  let acc = 0;
  const flush = (): void => {
    if (n > 0) out.push({ tsMs: start, value: agg === 'mean' ? sum / n : acc });
  };
  for (const p of points) {
    const bucket = Math.floor(p.tsMs / everyMs) * everyMs;
    if (bucket !== start) {
      flush();
      start = bucket;
      sum = 0;
      n = 0;
      acc = p.value;
    }
    n++;
    sum += p.value;
    if (agg === 'min') acc = Math.min(acc, p.value);
    else if (agg === 'max') acc = Math.max(acc, p.value);
    else if (agg === 'last') acc = p.value;
  }
  flush();
  return out;
}
