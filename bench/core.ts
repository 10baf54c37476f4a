// Benchmark of the detection core: DetectionEngine.process alone, behind payload decoding, and heap
// per sensor; kitchen threshold rules, then every rule kind (methane: threshold + rate, CO: threshold + dose).
// Run: npm run build && node --expose-gc dist/bench/core.js [--readings N --sensors N --mem-sensors N --all-sensors N]

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ruleSchema, type Rule } from '../gateway/src/config/schema.js';
import { KITCHEN_RISE_RULES, KITCHEN_RULES } from '../gateway/src/config/presets/kitchen.js';
import type { Quantity } from '../gateway/src/config/quantities.js';
import type { ChannelId, DeviceId, SiteId } from '../gateway/src/contract/ids.js';
import { decodeTelemetry } from '../gateway/src/contract/telemetry.js';
import { DetectionEngine, type SensorReading } from '../gateway/src/detect/engine.js';
import { createRng } from '../simulators/src/rng.js';
import { findGc, machineInfo, writeResult } from './results.js';

const rngFn = (seed: number): (() => number) => {
  const rng = createRng(seed);
  return () => rng.next();
};

export interface CoreBenchOptions {
  readings?: number;
  sensors?: number;
  /** Sensor count for the heap measurement. */
  memSensors?: number;
  /** Sensor count for the run with every rule kind (100 000). */
  allSensors?: number;
  seed?: number;
  /** Where to write the JSON; null to skip writing. Relative to the working directory. */
  outFile?: string | null;
}

const PERIOD_MS = 10_000; // one reading per detector every 10 s (detectors report every 10–30 s)
const T0_MS = Date.UTC(2025, 0, 1);
const CHANNELS = ['ch4', 'co'] as const;
const QUANTITY_OF: Record<string, Quantity> = { ch4: 'methane_lel', co: 'co_ppm' };

/** Sensor s is channel s % 2 of device s >> 1; ten detectors per site. Ids built once, up front. */
export class Fleet {
  readonly site: SiteId[] = [];
  readonly device: DeviceId[] = [];
  readonly channel: ChannelId[] = [];
  readonly quantity: Quantity[] = [];
  readonly base: Float64Array;
  readonly scale: Float64Array;
  // 5 % of sensors see one leak episode: a half-sine of `leakPeak` over `leakLen` rounds.
  readonly leakStart: Int32Array;
  readonly leakLen: Int32Array;
  readonly leakPeak: Float64Array;
  readonly order: Int32Array;

  constructor(readonly size: number, rounds: number, readonly rng: () => number) {
    this.base = new Float64Array(size);
    this.scale = new Float64Array(size);
    this.leakStart = new Int32Array(size).fill(-1);
    this.leakLen = new Int32Array(size);
    this.leakPeak = new Float64Array(size);
    for (let s = 0; s < size; s++) {
      const d = s >> 1;
      const ch = CHANNELS[s & 1]!;
      this.site.push(`site-${Math.floor(d / 10)}` as SiteId);
      this.device.push(`det-${d}` as DeviceId);
      this.channel.push(ch as ChannelId);
      this.quantity.push(QUANTITY_OF[ch]!);
      this.scale[s] = ch === 'co' ? 6 : 1; // CO set points are about six times the %LEL ones
      this.base[s] = rng() * 5 * this.scale[s]!;
      if (rng() < 0.05) {
        this.leakStart[s] = Math.floor(rng() * rounds);
        this.leakLen[s] = 5 + Math.floor(rng() * 30);
        this.leakPeak[s] = (15 + rng() * 70) * this.scale[s]!;
      }
    }
    // Devices report in a fixed shuffled order rather than by index, closer to real arrival.
    this.order = new Int32Array(size);
    for (let s = 0; s < size; s++) this.order[s] = s;
    for (let s = size - 1; s > 0; s--) {
      const j = Math.floor(rng() * (s + 1));
      const t = this.order[s]!;
      this.order[s] = this.order[j]!;
      this.order[j] = t;
    }
  }

  /** The devices in the same shuffled order, each sending both channels in a row: one message, as ReadingPipeline.handle calls the engine. */
  byMessage(): Int32Array {
    const out = new Int32Array(this.size);
    let k = 0;
    for (const s of this.order) if ((s & 1) === 0) (out[k++] = s), (out[k++] = s + 1);
    return out;
  }

  value(s: number, round: number): number {
    let v = this.base[s]! + (this.rng() - 0.5) * this.scale[s]!;
    const k = round - this.leakStart[s]!;
    if (this.leakStart[s]! >= 0 && k >= 0 && k < this.leakLen[s]!) v += this.leakPeak[s]! * Math.sin((Math.PI * (k + 0.5)) / this.leakLen[s]!);
    return Math.max(0, Math.round(v * 100) / 100);
  }

  tsMs(s: number, round: number): number {
    return T0_MS + round * PERIOD_MS + (s % 1000) * 7; // staggered inside the period
  }
}

function mutableReading(): SensorReading {
  return { site: '' as SiteId, device: '' as DeviceId, channel: '' as ChannelId, quantity: 'methane_lel', value: 0, tsMs: 0 };
}

/** Feeds `count` readings of the fleet, starting at reading index `from`; returns transitions. */
export function feed(engine: DetectionEngine, fleet: Fleet, values: Float64Array, from: number, count: number, order = fleet.order): number {
  const r = mutableReading();
  let transitions = 0;
  for (let i = from; i < from + count; i++) {
    const s = order[i % fleet.size]!;
    r.site = fleet.site[s]!;
    r.device = fleet.device[s]!;
    r.channel = fleet.channel[s]!;
    r.quantity = fleet.quantity[s]!;
    r.value = values[i - from]!;
    r.tsMs = fleet.tsMs(s, Math.floor(i / fleet.size));
    transitions += engine.process(r).length;
  }
  return transitions;
}

export function valuesFor(fleet: Fleet, from: number, count: number, order = fleet.order): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = fleet.value(order[(from + i) % fleet.size]!, Math.floor((from + i) / fleet.size));
  return out;
}

/** CPU seconds this process has used (user + system): time lost to other processes on a shared machine is not in it. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function measureDetect(rules: Rule[], fleet: Fleet, readings: number, order = fleet.order): { perS: number; perCpuS: number; transitions: number } {
  // Warm the JIT on a throwaway engine so the measured one starts cold only in its own state.
  const warmN = Math.min(readings, 200_000);
  feed(new DetectionEngine(rules), fleet, valuesFor(fleet, 0, warmN, order), 0, warmN, order);
  const values = valuesFor(fleet, 0, readings, order);
  // Median of three fresh engines: on a shared machine one run can lose half its CPU.
  const rates: number[] = [];
  const cpuRates: number[] = [];
  let transitions = 0;
  for (let run = 0; run < 3; run++) {
    const engine = new DetectionEngine(rules);
    const cpu0 = cpuSeconds();
    const t0 = performance.now();
    transitions = feed(engine, fleet, values, 0, readings, order);
    rates.push(readings / ((performance.now() - t0) / 1000));
    cpuRates.push(readings / (cpuSeconds() - cpu0));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
  return { perS: median(rates), perCpuS: median(cpuRates), transitions };
}

/** Bytes → decodeTelemetry → process per channel; payloads built outside the timed region. */
function measureParseDetect(rules: Rule[], fleet: Fleet, readings: number): { perS: number; perCpuS: number; msgsPerS: number } {
  const devices = fleet.size >> 1;
  const messages = Math.ceil(readings / CHANNELS.length);
  const batch = 20_000;
  const engine = new DetectionEngine(rules);
  const r = mutableReading();
  const deviceOrder = Array.from(fleet.order).filter((s) => (s & 1) === 0).map((s) => s >> 1);
  let ms = 0;
  let cpuS = 0;
  let processed = 0;
  for (let start = 0; start < messages; start += batch) {
    const n = Math.min(batch, messages - start);
    const payloads: Buffer[] = new Array(n);
    const firstSensor = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const m = start + k;
      const s0 = deviceOrder[m % devices]! * 2; // channel 0 of a device, in shuffled order
      const round = Math.floor(m / devices);
      firstSensor[k] = s0;
      const readingsObj = { ch4: fleet.value(s0, round), co: fleet.value(s0 + 1, round) };
      payloads[k] = Buffer.from(JSON.stringify({ ts: fleet.tsMs(s0, round), seq: round, readings: readingsObj }));
    }
    const cpu0 = cpuSeconds();
    const t0 = performance.now();
    for (let k = 0; k < n; k++) {
      const s0 = firstSensor[k]!;
      const decoded = decodeTelemetry(payloads[k]!, T0_MS + Math.floor((start + k) / devices) * PERIOD_MS);
      if (!decoded.ok) throw new Error(`bench payload rejected: ${decoded.reason} ${decoded.detail}`);
      const { tsMs, readings: values } = decoded.telemetry;
      r.site = fleet.site[s0]!; // from the topic, in the gateway
      r.device = fleet.device[s0]!;
      r.tsMs = tsMs;
      for (const ch in values) {
        r.channel = ch as ChannelId;
        r.quantity = QUANTITY_OF[ch]!;
        r.value = values[ch]!;
        engine.process(r);
        processed++;
      }
    }
    ms += performance.now() - t0;
    cpuS += cpuSeconds() - cpu0;
  }
  return { perS: processed / (ms / 1000), perCpuS: processed / cpuS, msgsPerS: messages / (ms / 1000) };
}


/**
 * ns per reading the feeding loop itself costs (fetching the fleet's ids at random, building the
 * reading) with an engine that does nothing: part of every detect figure above, not detection.
 */
function measureLoopOverhead(fleet: Fleet, readings: number, order: Int32Array): number {
  const nothing = { process: () => [] } as unknown as DetectionEngine;
  const values = valuesFor(fleet, 0, readings, order);
  feed(nothing, fleet, values, 0, readings, order);
  const t0 = performance.now();
  feed(nothing, fleet, values, 0, readings, order);
  return ((performance.now() - t0) * 1e6) / readings;
}

/** Memory per sensor (JS heap and array buffers) after `rounds` readings each (rate windows fill only after a few). */
function measureMemory(rules: Rule[], memSensors: number, seed: number, rounds = 2): { bytes: number | string; how: string } {
  const { gc, how } = findGc();
  if (gc === null) return { bytes: 'n/a', how };
  const fleet = new Fleet(memSensors, rounds, rngFn(seed ^ 0x5eed));
  const values = valuesFor(fleet, 0, memSensors * rounds);
  // The engine keeps its rule states in Float64Arrays whose memory lies outside the JS heap
  // (arrayBuffers), so both are counted.
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  gc();
  gc();
  const before = used();
  const engine = new DetectionEngine(rules);
  feed(engine, fleet, values, 0, memSensors * rounds);
  gc();
  gc();
  const after = used();
  // Ids and values were allocated before `before`: this is the engine's own cost per sensor.
  return { bytes: Math.round((after - before) / engine.sensorCount), how };
}

export async function runCoreBench(opts: CoreBenchOptions = {}): Promise<Record<string, number | string>> {
  const readings = opts.readings ?? 3_000_000;
  const sensors = opts.sensors ?? 10_000;
  const memSensors = opts.memSensors ?? 100_000;
  const allSensors = opts.allSensors ?? 100_000;
  const seed = opts.seed ?? 42;
  const rules = KITCHEN_RULES.map((r) => ruleSchema.parse(r));
  const allRules = [...KITCHEN_RULES, ...KITCHEN_RISE_RULES].map((r) => ruleSchema.parse(r));
  const fleet = new Fleet(sensors, Math.ceil(readings / sensors), rngFn(seed));

  const detect = measureDetect(rules, fleet, readings);
  const pvd = measureParseDetect(rules, fleet, readings);
  const mem = measureMemory(rules, memSensors, seed);
  const allFleet = new Fleet(allSensors, Math.ceil(readings / allSensors), rngFn(seed)); // threshold + rate + dose
  const detectAll = measureDetect(allRules, allFleet, readings, allFleet.byMessage());
  const detectAllShuffled = measureDetect(allRules, allFleet, readings);
  const pvdAll = measureParseDetect(allRules, allFleet, readings);
  const memAll = measureMemory(allRules, memSensors, seed, 10); // 100 s of readings: the 60-s rate windows are full
  const loopNs = measureLoopOverhead(allFleet, readings, allFleet.byMessage());
  const result: Record<string, number | string> = {
    detect_per_s: Math.round(detect.perS),
    parse_validate_detect_per_s: Math.round(pvd.perS),
    parse_validate_detect_msgs_per_s: Math.round(pvd.msgsPerS),
    bytes_per_sensor: mem.bytes,
    detect_all_rules_per_s: Math.round(detectAll.perS), // in message order: a device's channels in a row
    detect_all_rules_sensor_shuffled_per_s: Math.round(detectAllShuffled.perS), // every reading from a random sensor
    parse_validate_detect_all_rules_per_s: Math.round(pvdAll.perS),
    // The same runs per CPU second of this process (process.cpuUsage): what one core does when the
    // machine is shared, since time the process waited for a core is left out. GC threads count.
    detect_per_cpu_s: Math.round(detect.perCpuS),
    parse_validate_detect_per_cpu_s: Math.round(pvd.perCpuS),
    detect_all_rules_per_cpu_s: Math.round(detectAll.perCpuS),
    detect_all_rules_sensor_shuffled_per_cpu_s: Math.round(detectAllShuffled.perCpuS),
    parse_validate_detect_all_rules_per_cpu_s: Math.round(pvdAll.perCpuS),
    bytes_per_sensor_all_rules: memAll.bytes,
    feed_loop_ns_per_reading_all_rules: Math.round(loopNs), // measured with an engine doing nothing; included in detect_all_rules_per_s
    gc: mem.how,
    transitions: detect.transitions,
    transitions_all_rules: detectAll.transitions,
    readings,
    sensors,
    mem_sensors: memSensors,
    all_rules_sensors: allSensors,
    seed,
    ...machineInfo(),
    at: new Date().toISOString(),
  };
  writeResult(opts.outFile, 'bench/results/core.json', result);
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { readings: { type: 'string' }, sensors: { type: 'string' }, 'mem-sensors': { type: 'string' }, 'all-sensors': { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const opts: CoreBenchOptions = { readings: num(values.readings), sensors: num(values.sensors), memSensors: num(values['mem-sensors']), allSensors: num(values['all-sensors']), seed: num(values.seed) };
  if (values.out !== undefined) opts.outFile = values.out;
  const r = await runCoreBench(opts);
  console.log(`detection core, ${r.readings} readings over ${r.sensors} sensors (${r.machine})`);
  console.log(`  detect                 ${Number(r.detect_per_s).toLocaleString('en')} readings/s (${r.transitions} transitions)`);
  console.log(`  decode+validate+detect ${Number(r.parse_validate_detect_per_s).toLocaleString('en')} readings/s, ${Number(r.parse_validate_detect_msgs_per_s).toLocaleString('en')} msgs/s`);
  console.log(`  memory per sensor      ${r.bytes_per_sensor} bytes at ${r.mem_sensors} sensors (gc: ${r.gc})`);
  console.log(`all rule kinds (threshold, rate, dose), ${r.all_rules_sensors} sensors`);
  console.log(`  detect                 ${Number(r.detect_all_rules_per_s).toLocaleString('en')} readings/s by message, ${Number(r.detect_all_rules_sensor_shuffled_per_s).toLocaleString('en')} by random sensor (${r.transitions_all_rules} transitions)`);
  console.log(`  decode+validate+detect ${Number(r.parse_validate_detect_all_rules_per_s).toLocaleString('en')} readings/s; memory per sensor ${r.bytes_per_sensor_all_rules} bytes, windows full`);
  console.log(`per CPU second (shared machine): detect ${Number(r.detect_per_cpu_s).toLocaleString('en')}, all rules ${Number(r.detect_all_rules_per_cpu_s).toLocaleString('en')} by message, decode+validate+detect all rules ${Number(r.parse_validate_detect_all_rules_per_cpu_s).toLocaleString('en')}`);
  console.log(`  the bench's feeding loop alone: ${r.feed_loop_ns_per_reading_all_rules} ns per reading (inside the detect figure)`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
