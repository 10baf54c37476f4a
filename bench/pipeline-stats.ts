// Small numeric helpers of the pipeline benchmark: percentiles and rounding.

export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export const round = (x: number | null, digits = 2): number | null => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits);

export interface LatencySummary {
  readonly n: number;
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  readonly max_ms: number | null;
  /** Leaks whose event never arrived. */
  readonly missing: number;
}

/** p50/p99/max of the latencies that arrived; `missing` counts those that did not (NaN). */
export function summarize(latencies: readonly number[]): LatencySummary {
  const got = latencies.filter((x) => Number.isFinite(x));
  return {
    n: got.length,
    p50_ms: round(percentile(got, 0.5), 3),
    p99_ms: round(percentile(got, 0.99), 3),
    max_ms: round(got.length > 0 ? got.reduce((a, b) => (b > a ? b : a)) : null, 3),
    missing: latencies.length - got.length,
  };
}

export const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;
