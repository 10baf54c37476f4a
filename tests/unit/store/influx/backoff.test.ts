// Backoff while InfluxDB is away: doubling from minMs, capped at maxMs, jittered between half and
// all of the step, never zero.

import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../../gateway/src/store/influx/backoff.js';

describe('backoff', () => {
  const policy = { minMs: 500, maxMs: 60_000 };

  it('doubles from minMs and stops at maxMs', () => {
    expect([0, 1, 2, 3, 6, 7, 20, 1000].map((n) => backoffDelayMs(policy, n, 0.999_999))).toEqual([500, 1000, 2000, 4000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('jitters between half and all of the step', () => {
    expect(backoffDelayMs(policy, 3, 0)).toBe(2000);
    expect(backoffDelayMs(policy, 3, 0.5)).toBe(3000);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelayMs(policy, 4, Math.random());
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });
});
