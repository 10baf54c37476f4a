// InfluxQL for history: literals quoted so a hostile channel name stays a string, buckets and
// aggregates only from the known words.

import { describe, expect, it } from 'vitest';
import { historyInfluxQl, historyPoints } from '../../../../gateway/src/store/influx/history-query.js';
import type { HistoryQuery } from '../../../../gateway/src/store/telemetry-store.js';

const q: HistoryQuery = { site: 'k1', device: 'gas-01', channel: 'ch4', fromMs: 1000, toMs: 2000, limit: 50 };

describe('history InfluxQL', () => {
  it('asks raw points in time order within the range', () => {
    expect(historyInfluxQl(q)).toBe("SELECT value, seq FROM reading WHERE site = 'k1' AND device = 'gas-01' AND channel = 'ch4' AND time >= 1000ms AND time <= 2000ms ORDER BY time ASC LIMIT 50");
  });

  it('asks epoch-aligned buckets with the aggregate, the newest seq and the count', () => {
    expect(historyInfluxQl({ ...q, every: '1m', agg: 'last' })).toMatch(/^SELECT last\(value\) AS value, max\(seq\) AS seq, count\(value\) AS n FROM reading WHERE .* GROUP BY time\(1m\) fill\(none\) ORDER BY time ASC LIMIT 50$/);
  });

  it('keeps a quote or backslash in a name inside its string literal', () => {
    expect(historyInfluxQl({ ...q, channel: "x' OR 1=1 --\\" })).toContain("channel = 'x\\' OR 1=1 --\\\\'");
  });

  it('refuses an every or agg it does not know', () => {
    expect(() => historyInfluxQl({ ...q, every: '5m' as never })).toThrow(/every must be one of/);
    expect(() => historyInfluxQl({ ...q, every: '1m', agg: 'sum(value)) --' as never })).toThrow(/agg must be one of/);
  });

  it('maps InfluxQL series to points, skipping empty values', () => {
    const series = [{ name: 'reading', columns: ['time', 'value', 'seq', 'n'], values: [[60_000, 2.5, 9, 4], [0, 1, 3, 2], [120_000, null, 0, 0]] }];
    expect(historyPoints(series, false)).toEqual([
      { tsMs: 0, value: 1, seq: 3, count: 2 },
      { tsMs: 60_000, value: 2.5, seq: 9, count: 4 },
    ]);
  });
});
