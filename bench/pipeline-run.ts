// One run of the pipeline benchmark: the real gateway in this process (broker embedded or
// Mosquitto, detection, alarms, stop-work interlock, journal, time-series store), N detectors
// publishing QoS1 at a set total rate from child processes, leaks injected at known times on a
// few sites whose valves (another child) receive the close command. It returns what it measured;
// pipeline.ts runs it for each variant and writes the JSON.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../gateway/src/log.js';
import { startGateway, type Gateway } from '../gateway/src/compose.js';
import { BENCH_PASSWORD, benchConfig, fleetDevice, GATEWAY_USER, PEER_USER, siteId, VALVE } from './pipeline-config.js';
import { drive, leakLatencies, type DriveOptions } from './pipeline-drive.js';
import { startBenchMosquitto, type BenchMosquitto } from './pipeline-mosquitto.js';
import { mb, summarize, type LatencySummary } from './pipeline-stats.js';
import { benchToken, openStream, type StreamAccess } from './pipeline-sse.js';
import type { InfluxVariant, StoreVariant } from './pipeline-influx.js';
import { insideOf } from '../gateway/src/runtime.js';

/** Past the store's drain interval (200 ms) and a commit or two: the store is falling behind. */
export const MAX_STORE_LAG_MS = 2000;

export type BrokerVariant = 'embedded' | 'mosquitto';

export interface RunOptions extends DriveOptions {
  readonly broker: BrokerVariant;
  readonly store: StoreVariant;
  /** Watch the SSE stream (needs the API). */
  readonly sse: boolean;
  /** The external broker's telemetry connections (broker.subscriptionConnections); absent: the default. */
  readonly subscriptionConnections?: number;
}

export interface RunResult {
  readonly broker: BrokerVariant;
  readonly store: string;
  readonly offered_per_s: number;
  /** PUBACKed telemetry messages per second after the warm-up. */
  /** Published readings / seconds from the first publish until the store held them all. */
  readonly readings_per_s: number;
  /** Device PUBACKs per second after the warm-up (from Mosquitto itself in the external variant). */
  readonly acked_per_s: number;
  /** From the end of the publishing schedule until the store held every reading. */
  readonly store_lag_ms: number | null;
  readonly sustained: boolean;
  readonly why_not_sustained: string | null;
  readonly sent: number;
  readonly acked: number;
  readonly stored: number;
  readonly lost: number;
  readonly puback_p50_ms: number | null;
  readonly puback_p99_ms: number | null;
  readonly persist: LatencySummary;
  /** Publish of the red reading → the interlock handing the valve command to the broker. */
  readonly command_sent: LatencySummary;
  readonly valve: LatencySummary;
  readonly sse: LatencySummary | null;
  readonly sse_reason: string | null;
  readonly warmup_persist_max_ms: number | null;
  readonly warmup_valve_max_ms: number | null;
  readonly warmup_sse_max_ms: number | null;
  readonly cold_start_ms: number;
  readonly connect_ms: number;
  readonly rss_mb_max: number;
  readonly heap_mb_max: number;
  readonly event_loop_delay_p99_ms: number;
  readonly event_loop_delay_max_ms: number;
  /** CPU the gateway process used per reading (user + system, all threads), from go until stored:
   * counted only while it ran, so it holds up on a shared machine where rates do not. */
  readonly cpu_us_per_reading: number;
  /** cpu_us_per_reading split by thread: main, V8's helpers (GC), the journal writer, the SQLite
   * store's worker, the rest (bench/thread-cpu.ts); null off Linux. */
  readonly cpu_us_per_reading_by_thread: Record<string, number> | null;
  /** 1e6 / cpu_us_per_reading: readings/s one fully available core would carry at that cost. */
  readonly readings_per_cpu_s: number;
  /** The load processes' own CPU per reading (µs, summed): what the simulated fleet cost the machine. */
  readonly load_cpu_us_per_reading: number;
  readonly throttled_ms: number;
  readonly max_in_flight: number;
  readonly store_backlog_rows: number;
}

export async function runPipelineOnce(o: RunOptions, influx: InfluxVariant | null): Promise<RunResult> {
  const { shape } = o;
  const dataDir = mkdtempSync(join(tmpdir(), 'shaobing-pipeline-'));
  let mosquitto: BenchMosquitto | null = null;
  let runtime: Gateway | null = null;
  try {
    const devices = Array.from({ length: shape.devices }, (_, i) => fleetDevice(shape, i));
    const valveNames = Array.from({ length: shape.valveSites }, (_, s) => `${siteId(s)}/${VALVE}`);
    if (o.broker === 'mosquitto') {
      mosquitto = await startBenchMosquitto({ usernames: [...devices.map((d) => `${d.site}/${d.device}`), ...valveNames], fullAccess: [GATEWAY_USER, PEER_USER], password: BENCH_PASSWORD });
    }
    const { token, tokenHash } = benchToken();
    const config = await benchConfig({
      apiTokenHash: tokenHash,
      dataDir,
      shape,
      ...(mosquitto ? { externalUrl: mosquitto.url } : {}),
      ...(o.subscriptionConnections !== undefined ? { subscriptionConnections: o.subscriptionConnections } : {}),
      apiEnabled: o.sse,
      ...(influx ? { storageExtra: influx.storageExtra } : {}),
    });
    const startAt = performance.now();
    runtime = await startGateway(config, { log: silentLogger() });
    const coldStartMs = performance.now() - startAt;
    const rt = runtime;
    const url = mosquitto?.url ?? `mqtt://127.0.0.1:${rt.brokerPort}`;

    // (a) persisted: the bus announces an alarm move after its transaction committed.
    const persistAt = new Map<string, number>();
    rt.events.on('alarm', ({ alarm }) => {
      if (alarm.level === 'red' && !persistAt.has(alarm.site)) persistAt.set(alarm.site, Number(process.hrtime.bigint()) / 1e6);
    });

    // Between (a) and (b): the interlock announces each command as it hands it to the broker, so
    // valve latency splits into the gateway's part and MQTT delivery to the actuator.
    const commandAt = new Map<string, number>();
    rt.events.on('command', ({ order, what }) => {
      if (what === 'sent' && !commandAt.has(order.site)) commandAt.set(order.site, Number(process.hrtime.bigint()) / 1e6);
    });

    let stream: StreamAccess = { url: null, reason: 'not asked for (--no-sse)' };
    if (o.sse) stream = await openStream(rt, token);

    const d = await drive(o, { url, topics: rt.topics, sseUrl: stream.url, storedSoFar: async () => rt.faces.telemetry.cursor() });
    const { outs, seen } = d;
    const { acked, sent } = d;
    insideOf(rt).journal.flush();
    const storedBeforeFlush = await rt.faces.telemetry.countMessages();
    await rt.faces.telemetry.flush();
    const stored = await rt.faces.telemetry.countMessages();

    const latencies = (at: (site: string) => number | undefined, measured: boolean): number[] => leakLatencies(d, at, measured);
    const warmMax = (xs: number[]): number | null => summarize(xs).max_ms;
    const ackedInWindow = outs.reduce((n, x) => n + x.ackedInWindow, 0);
    const ackRate = ackedInWindow / ((o.durationMs - o.warmupMs) / 1000);
    const throttled = Math.max(...outs.map((x) => x.throttledMs));
    const storeLagMs = d.completeMs === null ? null : Math.max(0, d.completeMs - o.durationMs);
    const lost = acked - stored;
    const reasons: string[] = [];
    if (lost !== 0) reasons.push(`${lost} acknowledged readings not in the store`);
    if (storeLagMs === null) reasons.push('the store never held every reading');
    else if (storeLagMs > MAX_STORE_LAG_MS) reasons.push(`the store held the last reading ${Math.round(storeLagMs)} ms after the schedule ended`);
    if (throttled > 0) reasons.push(`publishers waited ${throttled} ms at the in-flight cap`);
    if (ackRate < 0.97 * o.ratePerS) reasons.push(`devices got ${Math.round(ackRate)} PUBACKs/s of ${o.ratePerS}/s offered`);
    const pub = summarize(outs.flatMap((x) => x.pubackMs));
    const sseOn = stream.url !== null;
    return {
      broker: o.broker,
      store: influx ? influx.label : 'sqlite',
      offered_per_s: o.ratePerS,
      readings_per_s: Math.round(d.completeMs === null ? d.storedAtStop / (d.stopMs / 1000) : sent / (d.completeMs / 1000)),
      acked_per_s: Math.round(ackRate),
      sustained: reasons.length === 0,
      why_not_sustained: reasons.length === 0 ? null : reasons.join('; '),
      sent,
      acked,
      stored,
      lost,
      store_lag_ms: storeLagMs === null ? null : Math.round(storeLagMs),
      puback_p50_ms: pub.p50_ms,
      puback_p99_ms: pub.p99_ms,
      persist: summarize(latencies((s) => persistAt.get(s), true)),
      command_sent: summarize(latencies((s) => commandAt.get(s), true)),
      valve: summarize(latencies((s) => seen.cmdAtMs[s], true)),
      sse: sseOn ? summarize(latencies((s) => seen.sseAtMs[s], true)) : null,
      sse_reason: sseOn ? null : stream.reason,
      warmup_persist_max_ms: warmMax(latencies((s) => persistAt.get(s), false)),
      warmup_valve_max_ms: warmMax(latencies((s) => seen.cmdAtMs[s], false)),
      warmup_sse_max_ms: sseOn ? warmMax(latencies((s) => seen.sseAtMs[s], false)) : null,
      cold_start_ms: Math.round(coldStartMs),
      connect_ms: Math.round(d.connectMs),
      rss_mb_max: mb(d.rssMaxBytes),
      heap_mb_max: mb(d.heapMaxBytes),
      event_loop_delay_p99_ms: Math.round(d.loopDelay.percentile(99) / 1e4) / 100,
      event_loop_delay_max_ms: Math.round(d.loopDelay.max / 1e4) / 100,
      cpu_us_per_reading: Math.round(((d.cpuMs * 1000) / sent) * 10) / 10,
      cpu_us_per_reading_by_thread: d.cpuUsByThread,
      readings_per_cpu_s: Math.round(sent / (d.cpuMs / 1000)),
      load_cpu_us_per_reading: d.loadCpuUsPerReading,
      throttled_ms: throttled,
      max_in_flight: Math.max(...outs.map((x) => x.maxInFlightSeen)),
      store_backlog_rows: Math.max(0, acked - storedBeforeFlush),
    };
  } finally {
    if (runtime) await runtime.stop();
    if (influx) await influx.close();
    if (mosquitto) await mosquitto.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
