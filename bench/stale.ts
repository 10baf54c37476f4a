// Benchmark of StalenessWatch (gateway/src/detect/stale.ts): seen() throughput, tick() latency and
// heap per sensor for a fleet of 100 000 sensors reading every 10 s, ticked once a second.
// Run: npm run build && node --expose-gc dist/bench/stale.js [--sensors N --minutes N --out FILE]

import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ChannelId, DeviceId, SiteId } from '../gateway/src/contract/ids.js';
import { StalenessWatch } from '../gateway/src/detect/stale.js';
import { findGc, machineInfo, writeResult } from './results.js';

export interface StaleBenchOptions {
  sensors?: number;
  minutes?: number;
  /** Where to write the JSON; null to skip writing. Relative to the working directory. */
  outFile?: string | null;
}

const READ_EVERY_MS = 10_000; // one reading per sensor every 10 s (detectors report every 10–30 s)
const PERIOD_MS = 30_000; // three missed readings make a sensor stale
const T0_MS = Date.UTC(2025, 0, 1);

/** Sensor s is channel s % 2 of device s >> 1, ten devices per site; ids built once, up front. */
interface Fleet {
  site: SiteId[];
  device: DeviceId[];
  channel: ChannelId[];
}

function fleetOf(size: number): Fleet {
  const f: Fleet = { site: [], device: [], channel: [] };
  for (let s = 0; s < size; s++) {
    f.site.push(`site-${Math.floor(s / 20)}` as SiteId);
    f.device.push(`det-${s >> 1}` as DeviceId);
    f.channel.push((s & 1 ? 'co' : 'ch4') as ChannelId);
  }
  return f;
}

function watchAll(fleet: Fleet, size: number): StalenessWatch {
  const w = new StalenessWatch();
  for (let s = 0; s < size; s++) {
    w.watch({ site: fleet.site[s]!, device: fleet.device[s]!, channel: fleet.channel[s]!, quantity: s & 1 ? 'co_ppm' : 'methane_lel' }, PERIOD_MS, 'yellow', T0_MS);
  }
  return w;
}

/**
 * Simulates `seconds` of gateway time: in second k the sensors with s % 10 === k % 10 read (spread
 * over the second), then tick(). Sensors with s % 100 === 7 stop reading halfway.
 */
function simulate(fleet: Fleet, size: number, seconds: number) {
  const w = watchAll(fleet, size);
  const perRound = READ_EVERY_MS / 1000;
  const stopAt = Math.floor(seconds / 2);
  const tickMs: number[] = [];
  let seenMs = 0;
  let seenCalls = 0;
  let transitions = 0;
  for (let k = 0; k < seconds; k++) {
    const base = T0_MS + k * 1000;
    const t0 = performance.now();
    for (let s = k % perRound; s < size; s += perRound) {
      if (k >= stopAt && s % 100 === 7) continue;
      transitions += w.seen(fleet.site[s]!, fleet.device[s]!, fleet.channel[s]!, base + (s % 1000)).length;
      seenCalls++;
    }
    const t1 = performance.now();
    transitions += w.tick(base + 1000).length;
    const t2 = performance.now();
    seenMs += t1 - t0;
    tickMs.push(t2 - t1);
  }
  return { w, seenMs, seenCalls, tickMs, transitions };
}


/** Heap of a watch with every sensor watched and seen once (all filed in the wheel). */
function measureMemory(fleet: Fleet, size: number): { bytes: number | string; how: string } {
  const { gc, how } = findGc();
  if (gc === null) return { bytes: 'n/a', how };
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const w = watchAll(fleet, size);
  for (let s = 0; s < size; s++) w.seen(fleet.site[s]!, fleet.device[s]!, fleet.channel[s]!, T0_MS + 5000);
  w.tick(T0_MS + PERIOD_MS); // every entry moves once to its new deadline
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const bytes = Math.round((after - before) / w.size);
  return { bytes, how };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export async function runStaleBench(opts: StaleBenchOptions = {}): Promise<Record<string, number | string>> {
  const sensors = opts.sensors ?? 100_000;
  const seconds = Math.round((opts.minutes ?? 10) * 60);
  const fleet = fleetOf(sensors);
  simulate(fleet, Math.min(sensors, 20_000), 120); // warm the JIT on a throwaway watch
  const run = simulate(fleet, sensors, seconds);
  const mem = measureMemory(fleet, sensors);
  const sorted = run.tickMs.slice().sort((a, b) => a - b);
  const silent = sensors > 7 ? Math.floor((sensors - 8) / 100) + 1 : 0; // s % 100 === 7
  const stats = run.w.stats;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const result: Record<string, number | string> = {
    seen_per_s: Math.round(run.seenCalls / (run.seenMs / 1000)),
    tick_ms_p50: r3(percentile(sorted, 50)),
    tick_ms_p99: r3(percentile(sorted, 99)),
    tick_ms_max: r3(sorted[sorted.length - 1] ?? NaN),
    bytes_per_sensor: mem.bytes,
    gc: mem.how,
    // Lazy re-arm: a sensor read every 10 s with a 30 s period should move about once per 30 s.
    moves: stats.moves,
    moves_per_sensor_per_period: r3(stats.moves / sensors / (seconds * 1000 / PERIOD_MS)),
    stale_raised: run.transitions,
    stale_expected: silent,
    seen_calls: run.seenCalls,
    ticks: run.tickMs.length,
    sensors,
    simulated_s: seconds,
    read_every_ms: READ_EVERY_MS,
    period_ms: PERIOD_MS,
    machine: machineInfo().machine,
    load_avg_1m: r3(loadavg()[0] ?? NaN),
    at: new Date().toISOString(),
  };
  writeResult(opts.outFile, 'bench/results/stale.json', result);
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sensors: { type: 'string' }, minutes: { type: 'string' }, out: { type: 'string' } } });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const opts: StaleBenchOptions = { sensors: num(values.sensors), minutes: num(values.minutes) };
  if (values.out !== undefined) opts.outFile = values.out;
  const r = await runStaleBench(opts);
  console.log(
    `staleness, ${r.sensors} sensors, ${r.simulated_s} s simulated: seen ${Number(r.seen_per_s).toLocaleString('en')}/s, ` +
      `tick p99 ${r.tick_ms_p99} ms (max ${r.tick_ms_max}), ${r.bytes_per_sensor} B/sensor (gc: ${r.gc}), ` +
      `${r.moves_per_sensor_per_period} moves/sensor/period, stale ${r.stale_raised}/${r.stale_expected} (${r.machine})`,
  );
  if (r.stale_raised !== r.stale_expected) {
    console.error(`FAIL: expected ${r.stale_expected} stale alarms, got ${r.stale_raised}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
