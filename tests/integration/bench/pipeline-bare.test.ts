// The bare-broker variants of the pipeline bench: aedes alone and Mosquitto alone take the same
// fleet and load with nothing behind them, and every gateway run states its share of them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPipelineBench } from '../../../bench/pipeline.js';
import { mosquittoBinaryMissing } from '../../../bench/pipeline-mosquitto.js';
import { tempDir } from '../../support/tmp.js';

const noMosquitto = mosquittoBinaryMissing();
if (noMosquitto) console.warn(`pipeline-bare: Mosquitto variant skipped: ${noMosquitto}`);

describe('pipeline benchmark, bare brokers', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it.skipIf(noMosquitto !== null)('acknowledges the whole fleet on aedes and Mosquitto alone and states each gateway run’s share of them', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const out = join(dir.path, 'pipeline.json');
    await runPipelineBench({
      devices: 60,
      devicesPerSite: 10,
      rates: [600],
      rate: 600,
      bareRates: [600],
      durationS: 3,
      warmupS: 1,
      leaks: 2,
      warmupLeaks: 1,
      variants: ['bare-aedes', 'bare-mosquitto', 'embedded-sqlite'],
      memorySensors: [],
      nodeRed: false,
      sse: false,
      outFile: out,
    });
    const r = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> & {
      bare_runs: { variant: string; broker: string; sent: number; acked: number; acked_per_s: number; cpu_us_per_reading: number; sustained: boolean }[];
      runs: { variant: string; acked_per_s: number; cpu_us_per_reading: number; cpu_us_per_reading_by_thread: Record<string, number> | null; bare: { puback_share: number; cpu_share: number; bare_acked_per_s: number } }[];
      not_run: Record<string, string>;
    };
    expect(r.not_run).toEqual({});
    expect(r.bare_runs.map((b) => b.variant)).toEqual(['bare-aedes', 'bare-mosquitto']);
    for (const b of r.bare_runs) {
      expect(b.sent).toBeGreaterThan(1500);
      expect(b.acked).toBe(b.sent);
      expect(b.cpu_us_per_reading).toBeGreaterThan(0);
    }
    const run = r.runs[0]!;
    expect(run.bare.bare_acked_per_s).toBe(r.bare_runs[0]!.acked_per_s);
    expect(run.bare.puback_share).toBeCloseTo(run.acked_per_s / r.bare_runs[0]!.acked_per_s, 2);
    expect(run.bare.cpu_share).toBeGreaterThan(0);
    // The gateway's CPU split by thread: the main thread used some, and the parts roughly add up
    // to the process's figure (threads count in ticks of 10 ms, a few seconds of load here: loose).
    const t = run.cpu_us_per_reading_by_thread!;
    expect(t.main).toBeGreaterThan(0);
    for (const part of ['v8_helpers', 'journal_worker', 'store_worker', 'other'] as const) expect(t[part], part).toBeGreaterThanOrEqual(0);
    const sum = t.main! + t.v8_helpers! + t.journal_worker! + t.store_worker! + t.other!;
    expect(sum).toBeGreaterThan(0.5 * run.cpu_us_per_reading);
    expect(sum).toBeLessThan(1.5 * run.cpu_us_per_reading + 50);
    expect(r.share_of_bare_aedes).toBe(run.bare.puback_share);
    expect(r.bare_aedes_puback_per_s).toBe(r.bare_runs[0]!.acked_per_s);
    // Offered 600/s, both brokers kept up: their ceiling is higher than what was measured.
    expect(r.bare_aedes_ceiling_reached).toBe(false);
    expect(r.share_of_bare_mosquitto).toBeNull();
    expect(r.bare_mosquitto_puback_per_s).toBe(r.bare_runs[1]!.acked_per_s);
  }, 120_000);
});
