// The pipeline bench's share of the bare broker: which bare run a gateway run is compared with,
// and when the headline ceiling is only a lower bound.

import { describe, expect, it } from 'vitest';
import { ceilingShare, shareOfBare, type BareResult } from '../../../bench/pipeline-bare.js';
import { formatTable } from '../../../bench/pipeline-table.js';

function bare(offered: number, acked: number, cpu: number): BareResult {
  return { broker: 'aedes', offered_per_s: offered, acked_per_s: acked, readings_per_s: acked, sustained: acked >= 0.97 * offered, sent: acked * 10, acked: acked * 10, puback_p50_ms: 1, puback_p99_ms: 2, cpu_us_per_reading: cpu, cpu_us_per_reading_by_thread: null, load_cpu_us_per_reading: 30, rss_mb_max: 50, throttled_ms: 0 };
}

describe('share of the bare broker', () => {
  it('compares a gateway run with the bare run at the same offered rate', () => {
    const s = shareOfBare({ offered_per_s: 10_000, acked_per_s: 9_000, cpu_us_per_reading: 60 }, [bare(10_000, 10_000, 15), bare(20_000, 19_500, 12)]);
    expect(s).toEqual({ puback_share: 0.9, cpu_share: 0.25, bare_offered_per_s: 10_000, bare_acked_per_s: 10_000, bare_cpu_us_per_reading: 15 });
  });

  it('says nothing without a bare run', () => {
    expect(shareOfBare({ offered_per_s: 10_000, acked_per_s: 9_000, cpu_us_per_reading: 60 }, []).puback_share).toBeNull();
  });

  it('takes the best bare rate as the ceiling and says whether it was reached', () => {
    const gw = (offered: number, acked: number) => ({ offered_per_s: offered, acked_per_s: acked, sustained: acked >= 0.97 * offered });
    expect(ceilingShare([gw(10_000, 9_900), gw(20_000, 14_000)], [bare(10_000, 10_000, 15), bare(30_000, 28_000, 12)])).toEqual({ share: 0.5, ceiling_per_s: 28_000, ceiling_reached: true, gateway_ceiling_reached: true });
    expect(ceilingShare([gw(10_000, 9_000)], [bare(10_000, 10_000, 15)])).toEqual({ share: 0.9, ceiling_per_s: 10_000, ceiling_reached: false, gateway_ceiling_reached: true });
  });

  it('judges the ceiling by the highest rate offered, not by a short run that fell short below it', () => {
    const gw = { offered_per_s: 10_000, acked_per_s: 10_000, sustained: true };
    expect(ceilingShare([gw], [bare(1_000, 900, 15), bare(3_000, 3_000, 12)])).toEqual({ share: 3.33, ceiling_per_s: 3_000, ceiling_reached: false, gateway_ceiling_reached: false });
  });

  it('prints every run with its share, bare brokers first', () => {
    const text = formatTable({
      bare_runs: [{ variant: 'bare-aedes', ...bare(10_000, 10_000, 15) }],
      runs: [{ variant: 'embedded-sqlite', offered_per_s: 10_000, acked_per_s: 9_000, readings_per_s: 8_900, sustained: true, cpu_us_per_reading: 60, cpu_us_per_reading_by_thread: { main: 40, v8_helpers: 8, journal_worker: 3, store_worker: 6, other: 3 }, persist: { p99_ms: 4 }, valve: { p50_ms: 2, p99_ms: 5 }, bare: { puback_share: 0.9, cpu_share: 0.25 } }],
      share_of_bare_aedes: 0.9,
      bare_aedes_puback_per_s: 10_000,
      bare_aedes_ceiling_reached: false,
      embedded_ceiling_reached: true,
    });
    const lines = text.split('\n');
    expect(lines[2]).toMatch(/^\| bare-aedes \| 10000 \| 10000 \| — \| yes/);
    expect(lines[3]).toBe('| embedded-sqlite | 10000 | 9000 | 8900 | yes | 4 | 2 / 5 | 60 | 40 / 8 / 3 / 6 | 0.9, 0.25 |');
    expect(text).toContain('embedded gateway / bare aedes (best PUBACKs/s): 0.9 of 10000/s (bare aedes kept up with every rate offered: its figure is a lower bound of its ceiling)');
  });
});
