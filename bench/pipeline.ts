// End-to-end pipeline benchmark: simulated detectors → MQTT (embedded aedes or
// Mosquitto) → the whole gateway (journal, detection, alarms, stop-work interlock, time-series
// store) → valve commands, with leaks injected at known times; the same load against the Node-RED
// peer (bench/peers/node-red) for comparison; gateway memory with 10 000 and 100 000 sensors.
// Writes bench/results/pipeline.json. See bench/README.md for how to read it.
//
// Run: npm run bench:pipeline            (installs the Node-RED peer, builds; about 10 minutes)
//      node --expose-gc dist/bench/pipeline.js [--devices N --rates 1000,2000,5000,10000,20000 --rate N
//        --bare-rates 10000,20000 --duration S --warmup S --leaks N
//        --variants bare-aedes,bare-mosquitto,embedded-sqlite,mosquitto-sqlite,embedded-influx
//        --memory 10000,100000 --no-node-red --no-sse --client raw|mqttjs --out FILE|-]

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo } from './results.js';
import type { FleetShape } from './pipeline-config.js';
import { LOAD_CLIENTS, type LoadClient } from './pipeline-load.js';
import { prepareInflux } from './pipeline-influx.js';
import { measureMemory, type MemoryResult } from './pipeline-memory.js';
import { runPipelineOnce, type BrokerVariant, type RunOptions, type RunResult } from './pipeline-run.js';
import { runNodeRedPeer, type PeerResult } from './peers/node-red/run.js';
import { ceilingShare, runBareBrokerOnce, shareOfBare, type BareBroker, type BareResult, type BareShare } from './pipeline-bare.js';
import { printTable } from './pipeline-table.js';

export type Variant = 'embedded-sqlite' | 'mosquitto-sqlite' | 'embedded-influx' | 'bare-aedes' | 'bare-mosquitto';
export const VARIANTS: readonly Variant[] = ['bare-aedes', 'bare-mosquitto', 'embedded-sqlite', 'mosquitto-sqlite', 'embedded-influx'];

export interface PipelineBenchOptions {
  readonly devices?: number;
  readonly devicesPerSite?: number;
  /** Offered rates (readings/s) for the embedded + SQLite ladder; the others run at `rate`. */
  readonly rates?: readonly number[];
  readonly rate?: number;
  /** Offered rates of the bare-broker variants; default `rate`, the ladder's highest and 1.5 × that. */
  readonly bareRates?: readonly number[];
  /** broker.subscriptionConnections of the mosquitto variants; absent: the gateway's default. */
  readonly subscriptionConnections?: number;
  readonly durationS?: number;
  readonly warmupS?: number;
  readonly leaks?: number;
  readonly warmupLeaks?: number;
  readonly loadProcesses?: number;
  readonly variants?: readonly Variant[];
  /** Sensor counts for the memory phase; empty skips it. */
  readonly memorySensors?: readonly number[];
  /** Each memory phase in a fresh `node` (needs the compiled bench); default when run compiled. */
  readonly memoryInFreshProcess?: boolean;
  readonly nodeRed?: boolean;
  readonly sse?: boolean;
  /** The simulated detectors' MQTT client: the lean raw one (default) or mqtt.js, for comparison. */
  readonly client?: LoadClient;
  /** Where to write the JSON; null: nowhere. */
  readonly outFile?: string | null;
}

export type PipelineResult = Record<string, unknown>;

const COMPILED = import.meta.url.endsWith('.js');

/** Memory of one sensor count, in a fresh process when compiled (RSS never shrinks back). */
async function memoryPhase(sensors: number, fresh: boolean): Promise<MemoryResult> {
  if (!fresh) return measureMemory(sensors);
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--expose-gc', self, '--memory-phase', String(sensors)], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`memory phase (${sensors} sensors) failed: ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as MemoryResult;
}

export async function runPipelineBench(opts: PipelineBenchOptions = {}): Promise<PipelineResult> {
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;
  const shape: FleetShape = {
    devices: opts.devices ?? 2000,
    devicesPerSite: opts.devicesPerSite ?? 40,
    valveSites: (opts.leaks ?? 20) + (opts.warmupLeaks ?? 4),
  };
  const rates = opts.rates ?? [1_000, 2_000, 5_000, 10_000, 20_000];
  const rate = opts.rate ?? 10_000;
  const base = {
    shape,
    durationMs: (opts.durationS ?? 15) * 1000,
    warmupMs: (opts.warmupS ?? 5) * 1000,
    leaks: opts.leaks ?? 20,
    warmupLeaks: opts.warmupLeaks ?? 4,
    loadProcesses: opts.loadProcesses ?? 2,
    sse: opts.sse ?? true,
    client: opts.client ?? 'raw',
    ...(opts.subscriptionConnections !== undefined ? { subscriptionConnections: opts.subscriptionConnections } : {}),
  };
  const variants = opts.variants ?? VARIANTS;
  const runs: (RunResult & { variant: Variant; bare: BareShare })[] = [];
  const bareRuns: (BareResult & { variant: Variant })[] = [];
  const notRun: Record<string, string> = {};
  // Up to half again the ladder's top, so the bare broker is offered more than it can take and its
  // figure is a ceiling, not a lower bound (bare_*_ceiling_reached says which it was).
  const top = Math.max(...rates);
  const bareRates = opts.bareRates ?? [...new Set([rate, top, Math.round(top * 1.5)])].sort((a, b) => a - b);

  for (const variant of variants) {
    if (variant.startsWith('bare-')) {
      const broker = variant.slice('bare-'.length) as BareBroker;
      for (const r of bareRates) {
        try {
          const result = await runBareBrokerOnce(broker, { ...base, ratePerS: r });
          bareRuns.push({ variant, ...result });
          console.error(`${variant} @ ${r}/s: ${result.acked_per_s} PUBACKs/s ${result.sustained ? 'sustained' : 'NOT sustained'}, ${result.cpu_us_per_reading} µs CPU/reading`);
        } catch (err) {
          notRun[`${variant}@${r}`] = (err as Error).message.split('\n')[0]!;
          console.error(`${variant} @ ${r}/s failed: ${(err as Error).message}`);
        }
      }
      continue;
    }
    const [broker, store] = variant.split('-') as [BrokerVariant, 'sqlite' | 'influx'];
    const ladder = variant === 'embedded-sqlite' ? rates : [rate];
    for (const r of ladder) {
      const o: RunOptions = { ...base, broker, store, ratePerS: r };
      let influx = null;
      if (store === 'influx') {
        const prepared = await prepareInflux();
        if ('reason' in prepared) {
          notRun[variant] = prepared.reason;
          break;
        }
        influx = prepared;
      }
      try {
        const result = await runPipelineOnce(o, influx);
        const bareOf = bareRuns.filter((b) => b.broker === (broker === 'embedded' ? 'aedes' : 'mosquitto'));
        runs.push({ variant, ...result, bare: shareOfBare(result, bareOf) });
        console.error(`${variant} @ ${r}/s: ${result.readings_per_s}/s ${result.sustained ? 'sustained' : `NOT sustained (${result.why_not_sustained})`}, lost ${result.lost}, valve p50 ${result.valve.p50_ms} p99 ${result.valve.p99_ms} ms`);
      } catch (err) {
        notRun[`${variant}@${r}`] = (err as Error).message.split('\n')[0]!;
        console.error(`${variant} @ ${r}/s failed: ${(err as Error).message}`);
      }
    }
  }

  let peer: PeerResult | { reason: string } = { reason: 'not asked for (--no-node-red)' };
  if (opts.nodeRed ?? true) {
    try {
      peer = await runNodeRedPeer({ ...base, ratePerS: rate });
    } catch (err) {
      peer = { reason: `Node-RED run failed: ${(err as Error).message.split('\n')[0]}` };
    }
  }

  const memory: MemoryResult[] = [];
  for (const sensors of opts.memorySensors ?? [10_000, 100_000]) {
    try {
      memory.push(await memoryPhase(sensors, opts.memoryInFreshProcess ?? COMPILED));
    } catch (err) {
      notRun[`memory-${sensors}`] = (err as Error).message.split('\n')[0]!;
    }
  }

  // Headline: the highest offered rate the embedded + SQLite gateway sustained with zero loss.
  const ladder = runs.filter((r) => r.variant === 'embedded-sqlite');
  const sustained = ladder.filter((r) => r.sustained);
  const head = sustained.length > 0 ? sustained.reduce((a, b) => (b.offered_per_s > a.offered_per_s ? b : a)) : ladder[0];
  const at10k = ladder.find((r) => r.offered_per_s === 10_000);
  const mosq = runs.find((r) => r.variant === 'mosquitto-sqlite');
  const mem = (n: number): MemoryResult | undefined => memory.find((m) => m.sensors === n);
  const peerOk = 'readings_per_s' in peer ? peer : null;
  const aedesShare = ceilingShare(runs.filter((r) => r.broker === 'embedded'), bareRuns.filter((b) => b.broker === 'aedes'));
  const mosquittoShare = ceilingShare(runs.filter((r) => r.broker === 'mosquitto'), bareRuns.filter((b) => b.broker === 'mosquitto'));
  const result: PipelineResult = {
    readings_per_s: head?.readings_per_s ?? null,
    readings_per_s_sustained: head?.sustained ?? false,
    readings_per_s_offered: head?.offered_per_s ?? null,
    lost: runs.reduce((n, r) => n + r.lost, 0),
    persist_p50_ms: head?.persist.p50_ms ?? null,
    persist_p99_ms: head?.persist.p99_ms ?? null,
    persist_max_ms: head?.persist.max_ms ?? null,
    valve_p50_ms: head?.valve.p50_ms ?? null,
    valve_p99_ms: head?.valve.p99_ms ?? null,
    valve_max_ms: head?.valve.max_ms ?? null,
    valve_p50_ms_at_10k: at10k?.valve.p50_ms ?? null,
    valve_p99_ms_at_10k: at10k?.valve.p99_ms ?? null,
    sse_p50_ms: head?.sse?.p50_ms ?? null,
    sse_p99_ms: head?.sse?.p99_ms ?? null,
    sse_max_ms: head?.sse?.max_ms ?? null,
    sse_reason: head?.sse_reason ?? null,
    leaks_measured: head?.valve.n ?? 0,
    warmup_valve_max_ms: head?.warmup_valve_max_ms ?? null,
    warmup_persist_max_ms: head?.warmup_persist_max_ms ?? null,
    rss_mb_10k: mem(10_000)?.rss_mb ?? null,
    heap_mb_10k: mem(10_000)?.heap_mb ?? null,
    rss_mb_100k: mem(100_000)?.rss_mb ?? null,
    heap_mb_100k: mem(100_000)?.heap_mb ?? null,
    cold_start_ms_10k: mem(10_000)?.cold_start_ms ?? null,
    cold_start_ms_100k: mem(100_000)?.cold_start_ms ?? null,
    cold_start_ms: head?.cold_start_ms ?? null,
    cpu_us_per_reading: head?.cpu_us_per_reading ?? null,
    cpu_us_per_reading_by_thread: head?.cpu_us_per_reading_by_thread ?? null,
    readings_per_cpu_s: head?.readings_per_cpu_s ?? null,
    load_cpu_us_per_reading: head?.load_cpu_us_per_reading ?? null,
    // Same broker (Mosquitto), same load, same harness: our external-broker run over the peer's.
    vs_node_red: peerOk && mosq && peerOk.readings_per_s > 0 ? Math.round((mosq.readings_per_s / peerOk.readings_per_s) * 100) / 100 : null,
    // The same ratio in CPU per reading (each process's own CPU, Mosquitto's and influxd's apart):
    // it holds up on a shared machine where the rates do not.
    vs_node_red_cpu: peerOk && mosq ? Math.round((peerOk.cpu_us_per_reading / mosq.cpu_us_per_reading) * 100) / 100 : null,
    // The broker alone on the same fleet and load (pipeline-bare.ts): the embedded gateway's best
    // PUBACK rate over bare aedes' best, and the external gateway's over bare Mosquitto's.
    share_of_bare_aedes: aedesShare.share,
    bare_aedes_puback_per_s: aedesShare.ceiling_per_s,
    bare_aedes_ceiling_reached: aedesShare.ceiling_reached,
    embedded_ceiling_reached: aedesShare.gateway_ceiling_reached,
    share_of_bare_mosquitto: mosquittoShare.share,
    bare_mosquitto_puback_per_s: mosquittoShare.ceiling_per_s,
    bare_mosquitto_ceiling_reached: mosquittoShare.ceiling_reached,
    external_ceiling_reached: mosquittoShare.gateway_ceiling_reached,
    vs_node_red_computation:
      'mosquitto-sqlite readings_per_s ÷ node_red.readings_per_s, both at `rate` on the same Mosquitto, fleet, load processes and harness (pipeline-drive.ts); readings_per_s = published readings ÷ seconds from the first publish until the store held every one (InfluxDB for the peer). vs_node_red_cpu: the peer’s CPU per reading ÷ ours, each process’s own',
    vs_node_red_reason: 'reason' in peer ? peer.reason : mosq ? null : 'no mosquitto-sqlite run to compare',
    node_red: peerOk ?? null,
    load: {
      devices: shape.devices,
      sensors: shape.devices * 2,
      devices_per_site: shape.devicesPerSite,
      rates_embedded_sqlite: rates,
      rate_other_variants: rate,
      rates_bare_brokers: bareRates,
      // null: the gateway's default (one per core, 2–8: ingest/ingress-from-config.ts).
      subscription_connections: opts.subscriptionConnections ?? null,
      duration_s: base.durationMs / 1000,
      warmup_s: base.warmupMs / 1000,
      leaks_per_run: base.leaks,
      warmup_leaks_per_run: base.warmupLeaks,
      load_processes: base.loadProcesses,
      client: base.client,
      qos: 1,
      payload: '{ts, seq, readings: {ch4, co}}: one message = one reading of a detector (two sensor values)',
      latency_from: 'publish of the red-crossing reading (hrtime in the load process)',
    },
    runs,
    bare_runs: bareRuns,
    memory,
    not_run: notRun,
    ...machineInfo(),
    total_mem_mb: Math.round(totalmem() / 1048576),
    load_avg_1m_start: Math.round(loadAtStart * 100) / 100,
    load_avg_1m_end: Math.round(loadavg()[0]! * 100) / 100,
    bench_s: Math.round((Date.now() - started) / 100) / 10,
    at: new Date().toISOString(),
  };
  const file = opts.outFile === undefined ? 'bench/results/pipeline.json' : opts.outFile;
  if (file !== null) {
    const path = resolve(file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  }
  return result;
}

function list(v: string | undefined): number[] | undefined {
  return v === undefined ? undefined : v.split(',').filter(Boolean).map(Number);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      devices: { type: 'string' },
      'devices-per-site': { type: 'string' },
      rates: { type: 'string' },
      rate: { type: 'string' },
      'bare-rates': { type: 'string' },
      'subscription-connections': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      leaks: { type: 'string' },
      'warmup-leaks': { type: 'string' },
      'load-processes': { type: 'string' },
      variants: { type: 'string' },
      memory: { type: 'string' },
      'memory-phase': { type: 'string' },
      'no-node-red': { type: 'boolean', default: false },
      'no-sse': { type: 'boolean', default: false },
      client: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (values['memory-phase'] !== undefined) {
    console.log(JSON.stringify(await measureMemory(Number(values['memory-phase']))));
    return;
  }
  const n = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const variants = values.variants?.split(',').filter(Boolean) as Variant[] | undefined;
  for (const v of variants ?? []) if (!VARIANTS.includes(v)) throw new Error(`--variants: unknown ${v}; choose from ${VARIANTS.join(', ')}`);
  const client = values.client as LoadClient | undefined;
  if (client !== undefined && !LOAD_CLIENTS.includes(client)) throw new Error(`--client: unknown ${client}; choose from ${LOAD_CLIENTS.join(', ')}`);
  const opts: PipelineBenchOptions = {
    ...(n(values.devices) !== undefined ? { devices: n(values.devices)! } : {}),
    ...(n(values['devices-per-site']) !== undefined ? { devicesPerSite: n(values['devices-per-site'])! } : {}),
    ...(list(values.rates) ? { rates: list(values.rates)! } : {}),
    ...(n(values.rate) !== undefined ? { rate: n(values.rate)! } : {}),
    ...(list(values['bare-rates']) ? { bareRates: list(values['bare-rates'])! } : {}),
    ...(n(values['subscription-connections']) !== undefined ? { subscriptionConnections: n(values['subscription-connections'])! } : {}),
    ...(n(values.duration) !== undefined ? { durationS: n(values.duration)! } : {}),
    ...(n(values.warmup) !== undefined ? { warmupS: n(values.warmup)! } : {}),
    ...(n(values.leaks) !== undefined ? { leaks: n(values.leaks)! } : {}),
    ...(n(values['warmup-leaks']) !== undefined ? { warmupLeaks: n(values['warmup-leaks'])! } : {}),
    ...(n(values['load-processes']) !== undefined ? { loadProcesses: n(values['load-processes'])! } : {}),
    ...(variants ? { variants } : {}),
    ...(list(values.memory) ? { memorySensors: list(values.memory)! } : {}),
    nodeRed: !values['no-node-red'],
    sse: !values['no-sse'],
    ...(client ? { client } : {}),
    ...(values.out !== undefined ? { outFile: values.out === '-' ? null : values.out } : {}),
  };
  const r = await runPipelineBench(opts);
  printTable(r);
  const show = { ...r };
  delete show.runs;
  delete show.bare_runs;
  delete show.memory;
  console.log(JSON.stringify(show, null, 2));
  if (r.lost !== 0) {
    console.error(`FAIL: ${String(r.lost)} acknowledged readings are not in the store`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
