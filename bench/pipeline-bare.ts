// The broker alone, as the ceiling the gateway is measured against: aedes (in this process, as the
// embedded gateway runs it) or Mosquitto (its own process) acknowledging the same fleet, the same
// QoS1 load from the same harness (pipeline-drive.ts), with nothing behind them: no
// authorisation hook, no journal, no detection. Each gateway run then states its share of this
// ceiling, measured on the same machine in the same bench invocation (pipeline.ts).

import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { makeTopics } from '../gateway/src/contract/topics.js';
import { fleetDevice, siteId, VALVE, BENCH_PASSWORD } from './pipeline-config.js';
import { drive, procCpuMs, procRssBytes, type DriveOptions } from './pipeline-drive.js';
import { startBenchMosquitto, type BenchMosquitto } from './pipeline-mosquitto.js';
import { mb, summarize } from './pipeline-stats.js';

export type BareBroker = 'aedes' | 'mosquitto';
export const BARE_BROKERS: readonly BareBroker[] = ['aedes', 'mosquitto'];

export interface BareResult {
  readonly broker: BareBroker;
  readonly offered_per_s: number;
  /** Device PUBACKs per second inside the measured window: the broker's acknowledgement rate. */
  readonly acked_per_s: number;
  /** Published readings / seconds from the first publish to the last PUBACK. */
  readonly readings_per_s: number;
  /** Acknowledged ≥ 97 % of the offered rate and never made the publishers wait at their cap:
   * when true the broker was not at its ceiling, and `acked_per_s` is a lower bound of it. */
  readonly sustained: boolean;
  readonly sent: number;
  readonly acked: number;
  readonly puback_p50_ms: number | null;
  readonly puback_p99_ms: number | null;
  /** The broker's own CPU (user + system; aedes: this process, all threads) per reading. */
  readonly cpu_us_per_reading: number;
  /** aedes: the same by thread (bench/thread-cpu.ts); Mosquitto: null. */
  readonly cpu_us_per_reading_by_thread: Record<string, number> | null;
  readonly load_cpu_us_per_reading: number;
  readonly rss_mb_max: number;
  readonly throttled_ms: number;
}

interface BareTarget {
  readonly url: string;
  /** Absent: this process (the drive then also splits it by thread). */
  readonly cpuMs?: () => number;
  readonly memory?: () => { rss: number; heap: number };
  close(): Promise<void>;
}

/** aedes 1.2 with its defaults (in-memory persistence), on a free loopback port, in this process. */
async function startBareAedes(): Promise<BareTarget> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer((socket) => aedes.handle(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Mosquitto from the shipped config (same accounts and ACL as the mosquitto-sqlite variant). */
async function startBareMosquitto(o: DriveOptions): Promise<BareTarget> {
  const { shape } = o;
  const usernames = [
    ...Array.from({ length: shape.devices }, (_, i) => fleetDevice(shape, i)).map((d) => `${d.site}/${d.device}`),
    ...Array.from({ length: shape.valveSites }, (_, s) => `${siteId(s)}/${VALVE}`),
  ];
  const m: BenchMosquitto = await startBenchMosquitto({ usernames, fullAccess: [], password: BENCH_PASSWORD });
  return { url: m.url, cpuMs: () => procCpuMs(m.pid), memory: () => ({ rss: procRssBytes(m.pid), heap: 0 }), close: () => m.close() };
}

export async function runBareBrokerOnce(broker: BareBroker, o: DriveOptions): Promise<BareResult> {
  const target = broker === 'aedes' ? await startBareAedes() : await startBareMosquitto(o);
  try {
    // Nothing stores anything: every reading counts as "held" once its PUBACK came back, so the
    // drive's wait for the store ends with the schedule.
    const d = await drive(o, {
      url: target.url,
      topics: makeTopics(),
      sseUrl: null,
      storedSoFar: async () => Number.MAX_SAFE_INTEGER,
      ...(target.cpuMs ? { cpuMs: target.cpuMs } : {}),
      ...(target.memory ? { memory: target.memory } : {}),
    });
    const ackedInWindow = d.outs.reduce((n, x) => n + x.ackedInWindow, 0);
    const ackRate = ackedInWindow / ((o.durationMs - o.warmupMs) / 1000);
    const throttled = Math.max(...d.outs.map((x) => x.throttledMs));
    const pub = summarize(d.outs.flatMap((x) => x.pubackMs));
    return {
      broker,
      offered_per_s: o.ratePerS,
      acked_per_s: Math.round(ackRate),
      readings_per_s: Math.round(d.completeMs === null ? 0 : d.sent / (d.completeMs / 1000)),
      sustained: throttled === 0 && ackRate >= 0.97 * o.ratePerS && d.acked === d.sent,
      sent: d.sent,
      acked: d.acked,
      puback_p50_ms: pub.p50_ms,
      puback_p99_ms: pub.p99_ms,
      cpu_us_per_reading: Math.round(((d.cpuMs * 1000) / Math.max(1, d.sent)) * 10) / 10,
      cpu_us_per_reading_by_thread: d.cpuUsByThread,
      load_cpu_us_per_reading: d.loadCpuUsPerReading,
      rss_mb_max: mb(d.rssMaxBytes),
      throttled_ms: throttled,
    };
  } finally {
    await target.close();
  }
}

/** A gateway run's share of its broker's bare run at the same offered rate (else the nearest). */
export interface BareShare {
  /** The gateway's device PUBACKs/s over the bare broker's. */
  readonly puback_share: number | null;
  /** The bare broker's CPU per reading over the gateway's: the part of the gateway's cost that is
   * the broker's own (1 would mean everything behind the broker is free). */
  readonly cpu_share: number | null;
  readonly bare_offered_per_s: number | null;
  readonly bare_acked_per_s: number | null;
  readonly bare_cpu_us_per_reading: number | null;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;

export function shareOfBare(run: { offered_per_s: number; acked_per_s: number; cpu_us_per_reading: number }, bare: readonly BareResult[]): BareShare {
  if (bare.length === 0) return { puback_share: null, cpu_share: null, bare_offered_per_s: null, bare_acked_per_s: null, bare_cpu_us_per_reading: null };
  const near = bare.reduce((a, b) => (Math.abs(b.offered_per_s - run.offered_per_s) < Math.abs(a.offered_per_s - run.offered_per_s) ? b : a));
  return {
    puback_share: near.acked_per_s > 0 ? r2(run.acked_per_s / near.acked_per_s) : null,
    cpu_share: run.cpu_us_per_reading > 0 ? r2(near.cpu_us_per_reading / run.cpu_us_per_reading) : null,
    bare_offered_per_s: near.offered_per_s,
    bare_acked_per_s: near.acked_per_s,
    bare_cpu_us_per_reading: near.cpu_us_per_reading,
  };
}

/** What the headline needs of a gateway run. */
export interface GatewayRunRate {
  readonly offered_per_s: number;
  readonly acked_per_s: number;
  readonly sustained: boolean;
}

export interface CeilingShare {
  /** The gateway's best PUBACK rate over the bare broker's best: the share of the broker's ceiling. */
  readonly share: number | null;
  readonly ceiling_per_s: number | null;
  /** The bare broker fell short at the highest rate it was offered: its best is its ceiling.
   * False: it kept up with everything, and the figure is only a lower bound of its ceiling. */
  readonly ceiling_reached: boolean;
  /** The gateway fell short at the highest rate it was offered. False: it kept up with
   * everything, so the share says what it was offered, not what it can take. */
  readonly gateway_ceiling_reached: boolean;
}

/** The headline share of one broker: the gateway's best over the bare broker's best. */
export function ceilingShare(gateway: readonly GatewayRunRate[], bare: readonly BareResult[]): CeilingShare {
  const reached = (runs: readonly { offered_per_s: number; sustained: boolean }[]): boolean =>
    runs.length > 0 && !runs.reduce((a, b) => (b.offered_per_s > a.offered_per_s ? b : a)).sustained;
  if (bare.length === 0) return { share: null, ceiling_per_s: null, ceiling_reached: false, gateway_ceiling_reached: reached(gateway) };
  const best = bare.reduce((a, b) => (b.acked_per_s > a.acked_per_s ? b : a));
  return {
    share: best.acked_per_s > 0 && gateway.length > 0 ? r2(Math.max(...gateway.map((g) => g.acked_per_s)) / best.acked_per_s) : null,
    ceiling_per_s: best.acked_per_s,
    ceiling_reached: reached(bare),
    gateway_ceiling_reached: reached(gateway),
  };
}
