// Buckets for history charts: each aggregate over a table of points, and idempotence on points
// already bucketed (so bucketing after a store that bucketed changes nothing).

import { describe, expect, it } from 'vitest';
import { downsample } from '../../../dashboard-api/src/downsample.js';

const P = [
  { tsMs: 0, value: 1 },
  { tsMs: 4_000, value: 5 },
  { tsMs: 9_999, value: 3 },
  { tsMs: 10_000, value: 10 },
  { tsMs: 35_000, value: -2 },
  { tsMs: 36_000, value: 4 },
];

describe('downsample', () => {
  it.each([
    ['mean', [3, 10, 1]],
    ['min', [1, 10, -2]],
    ['max', [5, 10, 4]],
    ['last', [3, 10, 4]],
  ] as const)('%s over 10 s buckets stamped with their start', (agg, values) => {
    expect(downsample(P, 10_000, agg)).toEqual([
      { tsMs: 0, value: values[0] },
      { tsMs: 10_000, value: values[1] },
      { tsMs: 30_000, value: values[2] },
    ]);
  });

  it('gives nothing for no points and changes nothing on points already bucketed', () => {
    expect(downsample([], 60_000, 'mean')).toEqual([]);
    const once = downsample(P, 10_000, 'max');
    expect(downsample(once, 10_000, 'max')).toEqual(once);
    expect(downsample(once, 10_000, 'mean')).toEqual(once);
  });
});
