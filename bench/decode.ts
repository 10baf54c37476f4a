// Benchmark of telemetry decoding alone: the schema path (decodeTelemetrySlow) against
// decodeTelemetry's fast path, for the kitchen message and a five-channel message with meta, plus
// what the journal row costs on top (JSON.stringify of readings and meta) and a cheaper way to it.
// Run: npm run build && node dist/bench/decode.js [--messages N --repeats N --out FILE|-]

import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeTelemetry, decodeTelemetrySlow, type DecodeResult, type Telemetry } from '../gateway/src/contract/telemetry.js';
import { createRng } from '../simulators/src/rng.js';
import { machineInfo, writeResult, type BenchResult } from './results.js';

const NOW_MS = Date.UTC(2026, 10, 22, 8);
/** Distinct payloads cycled through, so the figures are not one cached string. */
const DISTINCT = 4096;

type Shape = 'kitchen' | 'kitchen_iso' | 'five_meta';

function payloads(shape: Shape, seed: number): Buffer[] {
  const rng = createRng(seed);
  const value = (scale: number) => Math.round(rng.next() * scale * 100) / 100;
  return Array.from({ length: DISTINCT }, (_, i) => {
    const tsMs = NOW_MS - 60_000 - Math.floor(rng.next() * 600_000);
    const ts = shape === 'kitchen_iso' ? new Date(tsMs).toISOString() : tsMs;
    const body =
      shape === 'five_meta'
        ? {
            ts, seq: 1000 + i,
            readings: { ch4: value(3), co: value(10), o2: 20 + value(1), h2s: value(2), temp: 20 + value(10) },
            meta: { battery: Math.floor(value(100)), rssi: -40 - Math.floor(value(50)), fw: '2.1.0' },
          }
        : { ts, seq: 1000 + i, readings: { ch4: value(2.5), co: value(10) } };
    return Buffer.from(JSON.stringify(body));
  });
}

type Decode = (bytes: Uint8Array, nowMs: number) => DecodeResult;

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * Items/s of `work` over `count` inputs, per wall second and per CPU second of this process (the
 * second holds up better on a shared machine); `sink` keeps the JIT from dropping the work.
 */
function rate<T>(inputs: readonly T[], count: number, work: (input: T) => number): { wall: number; cpu: number } {
  let sink = 0;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) sink += work(inputs[i & (DISTINCT - 1)]!);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  if (sink === -1) console.log(sink);
  return { wall: count / wall, cpu: count / cpu };
}

function decodeOnly(decode: Decode): (bytes: Buffer) => number {
  return (bytes) => {
    const r = decode(bytes, NOW_MS);
    if (!r.ok) throw new Error(`bench payload rejected: ${r.reason} ${r.detail}`);
    return r.telemetry.seq;
  };
}

/** Decode plus the journal row's text as intake.ts makes it today. */
function decodeAndRow(decode: Decode, readingsJson: (t: Telemetry) => string): (bytes: Buffer) => number {
  return (bytes) => {
    const r = decode(bytes, NOW_MS);
    if (!r.ok) throw new Error(`bench payload rejected: ${r.reason} ${r.detail}`);
    const t = r.telemetry;
    const meta = t.meta === undefined ? null : JSON.stringify(t.meta);
    return readingsJson(t).length + (meta?.length ?? 0);
  };
}

const stringifyReadings = (t: Telemetry): string => JSON.stringify(t.readings);

/**
 * The proposal: readings the fast path accepted have channel-id keys (no character JSON escapes)
 * and finite numbers, whose String() is their JSON text (-0 included), so concatenation gives
 * JSON.stringify's exact output.
 */
function concatReadings(t: Telemetry): string {
  let text = '{';
  for (const key in t.readings) text += `${text.length === 1 ? '' : ','}"${key}":${t.readings[key]!}`;
  return `${text}}`;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export function runDecodeBench(options: { messages?: number; repeats?: number; outFile?: string | null } = {}): BenchResult {
  const messages = options.messages ?? 300_000;
  const repeats = options.repeats ?? 7;
  const loadBefore = loadavg()[0]!;
  const result: BenchResult = {};
  for (const [k, shape] of (['kitchen', 'kitchen_iso', 'five_meta'] as const).entries()) {
    const inputs = payloads(shape, 42 + k);
    // The two ways to the journal text must agree byte for byte on every payload.
    for (const bytes of inputs) {
      const r = decodeTelemetry(bytes, NOW_MS);
      if (!r.ok || concatReadings(r.telemetry) !== stringifyReadings(r.telemetry)) throw new Error('concatenated readings differ from JSON.stringify');
    }
    const works = {
      slow: decodeOnly(decodeTelemetrySlow),
      fast: decodeOnly(decodeTelemetry),
      slow_row: decodeAndRow(decodeTelemetrySlow, stringifyReadings),
      fast_row: decodeAndRow(decodeTelemetry, stringifyReadings),
      fast_row_concat: decodeAndRow(decodeTelemetry, concatReadings),
    };
    const runs: Record<string, { wall: number[]; cpu: number[] }> = {};
    for (const work of Object.values(works)) rate(inputs, messages / 5, work); // warm-up
    // Interleaved repeats, so drift on the shared machine hits every variant alike.
    for (let r = 0; r < repeats; r++) {
      for (const [name, work] of Object.entries(works)) {
        const { wall, cpu } = rate(inputs, messages, work);
        const run = (runs[name] ??= { wall: [], cpu: [] });
        run.wall.push(wall);
        run.cpu.push(cpu);
      }
    }
    for (const [name, run] of Object.entries(runs)) {
      result[`${shape}_${name}_msgs_per_s`] = Math.round(median(run.wall));
      result[`${shape}_${name}_msgs_per_cpu_s`] = Math.round(median(run.cpu));
    }
    result[`${shape}_speedup`] = Math.round((median(runs['fast']!.cpu) / median(runs['slow']!.cpu)) * 100) / 100;
    // The journal text alone, on decoded messages: today's JSON.stringify against concatenation.
    const decoded = inputs.map((b) => (decodeTelemetry(b, NOW_MS) as { telemetry: Telemetry }).telemetry);
    for (const [name, fn] of [['stringify', stringifyReadings], ['concat', concatReadings]] as const) {
      const ns: number[] = [];
      rate(decoded, messages / 5, (t) => fn(t).length);
      for (let r = 0; r < repeats; r++) ns.push(1e9 / rate(decoded, messages, (t) => fn(t).length).cpu);
      result[`${shape}_readings_json_${name}_ns`] = Math.round(median(ns));
    }
    result[`${shape}_bytes`] = Math.round(inputs.reduce((n, b) => n + b.byteLength, 0) / inputs.length);
  }
  Object.assign(result, {
    messages,
    repeats,
    load_avg_1m_before: Math.round(loadBefore * 100) / 100,
    load_avg_1m_after: Math.round(loadavg()[0]! * 100) / 100,
    ...machineInfo(),
    at: new Date().toISOString(),
  });
  writeResult(options.outFile, 'bench/results/decode.json', result);
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { messages: { type: 'string' }, repeats: { type: 'string' }, out: { type: 'string' } } });
  const result = runDecodeBench({
    ...(values.messages ? { messages: Number(values.messages) } : {}),
    ...(values.repeats ? { repeats: Number(values.repeats) } : {}),
    ...(values.out ? { outFile: values.out === '-' ? null : values.out } : {}),
  });
  console.log(JSON.stringify(result, null, 2));
}
