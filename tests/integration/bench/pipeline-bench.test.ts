// Smoke test of the pipeline benchmark: the real gateway, devices and valves in child
// processes, a few injected leaks, for a few seconds at a small load. It checks that the harness
// still measures what it claims (zero loss, every leak reaching the alarm store and the valve, the
// result file holding every key with sane values), never a speed: speed is the bench's business.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPipelineBench } from '../../../bench/pipeline.js';
import { tempDir } from '../../support/tmp.js';

const KEYS = ['readings_per_s', 'lost', 'persist_p99_ms', 'valve_p99_ms', 'sse_p99_ms', 'rss_mb_100k', 'vs_node_red', 'machine', 'load'] as const;

function sane(summary: { n: number; p50_ms: number | null; p99_ms: number | null; max_ms: number | null; missing: number }, leaks: number): void {
  expect(summary.n).toBe(leaks);
  expect(summary.missing).toBe(0);
  expect(summary.p50_ms).toBeGreaterThan(0);
  expect(summary.p50_ms!).toBeLessThanOrEqual(summary.p99_ms!);
  expect(summary.p99_ms!).toBeLessThanOrEqual(summary.max_ms!);
  expect(summary.max_ms!).toBeLessThan(10_000);
}

describe('pipeline benchmark', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('stores every reading, sees every leak reach the alarm store, the valve and the stream, and writes every key', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const out = join(dir.path, 'pipeline.json');
    await runPipelineBench({
      devices: 60,
      devicesPerSite: 10,
      rates: [600],
      durationS: 3,
      warmupS: 1,
      leaks: 3,
      warmupLeaks: 1,
      variants: ['embedded-sqlite'],
      memorySensors: [2000],
      memoryInFreshProcess: false,
      nodeRed: false,
      outFile: out,
    });
    const r = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> & {
      runs: { sent: number; acked: number; stored: number; lost: number; persist: Parameters<typeof sane>[0]; valve: Parameters<typeof sane>[0]; sse: Parameters<typeof sane>[0] | null; sse_reason: string | null }[];
      memory: { sensors: number; rss_mb: number; heap_mb: number; stored: number; readings_sent: number; cold_start_ms: number }[];
      not_run: Record<string, string>;
    };
    for (const key of KEYS) expect(r, `key ${key}`).toHaveProperty(key);
    expect(r.not_run).toEqual({});
    expect(r.lost).toBe(0);
    expect(r.runs).toHaveLength(1);
    const run = r.runs[0]!;
    expect(run.sent).toBeGreaterThan(1500); // 600/s for 3 s, plus the leak readings
    expect(run.acked).toBe(run.sent);
    expect(run.stored).toBe(run.sent);
    expect(Number(r.readings_per_s)).toBeGreaterThan(0);
    expect(Number(r.readings_per_s)).toBeLessThanOrEqual(700);
    sane(run.persist, 3);
    sane(run.valve, 3);
    // The valve command follows the alarm's commit, so it cannot arrive first for the median leak.
    expect(run.valve.p50_ms!).toBeGreaterThanOrEqual(run.persist.p50_ms! - 1);
    if (run.sse) sane(run.sse, 3);
    else expect(run.sse_reason).toMatch(/\w/);
    expect(r.persist_p99_ms).toBe(run.persist.p99_ms);
    expect(r.valve_p99_ms).toBe(run.valve.p99_ms);
    expect(r.vs_node_red).toBeNull();
    expect(r.vs_node_red_reason).toMatch(/not asked for/);
    expect(r.memory).toHaveLength(1);
    const mem = r.memory[0]!;
    expect(mem.sensors).toBe(2000);
    expect(mem.stored).toBe(mem.readings_sent);
    expect(mem.readings_sent).toBe(1000);
    expect(mem.rss_mb).toBeGreaterThan(mem.heap_mb);
    expect(mem.cold_start_ms).toBeGreaterThan(0);
  }, 90_000);
});
