// The Node-RED peer of the pipeline benchmark: the same job as the gateway (MQTT in → JSON →
// per-sensor threshold → InfluxDB out, and a valve command on red) as a Node-RED 4 flow
// (flow.json beside this file), on the same broker (Mosquitto from the shipped config), the same
// load and the same harness (bench/pipeline-drive.ts). Node-RED is installed outside the project by
// install.sh; it is a yardstick, never a dependency.
//
// Run: bench/peers/node-red/install.sh && npm run build && node dist/bench/peers/node-red/run.js
//      [--devices N --rate N --duration S --warmup S --leaks N]   (or: npm run bench:node-red)

import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import { startInfluxd, influxdMissing, type Influxd } from '../../../tests/support/influxd.js';
import { tempDir } from '../../../tests/support/tmp.js';
import { BENCH_PASSWORD, fleetDevice, PEER_USER, siteId, VALVE } from '../../pipeline-config.js';
import { drive, leakLatencies, procCpuMs, procRssBytes, type DriveOptions } from '../../pipeline-drive.js';
import { startBenchMosquitto, type BenchMosquitto } from '../../pipeline-mosquitto.js';
import { mb, summarize, type LatencySummary } from '../../pipeline-stats.js';
import { freePort } from '../../../tests/support/process.js';

export interface PeerResult {
  readonly peer: string;
  readonly offered_per_s: number;
  /** Published readings / seconds from the first publish until InfluxDB held them all. */
  readonly readings_per_s: number;
  readonly sustained: boolean;
  readonly why_not_sustained: string | null;
  readonly sent: number;
  readonly stored: number;
  /** null when InfluxDB was still catching up when the harness stopped waiting. */
  readonly lost: number | null;
  readonly store_lag_ms: number | null;
  readonly valve: LatencySummary;
  readonly warmup_valve_max_ms: number | null;
  readonly rss_mb_max: number;
  /** CPU of the Node-RED process per reading (Mosquitto's and influxd's not counted, as for the gateway). */
  readonly cpu_us_per_reading: number;
  readonly readings_per_cpu_s: number;
  /** The load processes' own CPU per reading (µs, summed), as in the gateway's runs. */
  readonly load_cpu_us_per_reading: number;
  readonly node_red_version: string;
  readonly flow: string;
}

export const DEFAULT_NODE_RED_DIR = join(tmpdir(), 'shaobing-node-red');

export function nodeRedDir(): string {
  return process.env.SHAOBING_NODE_RED_DIR ?? DEFAULT_NODE_RED_DIR;
}

/** Why the peer cannot run here, or null. */
export function nodeRedMissing(dir = nodeRedDir()): string | null {
  if (!existsSync(join(dir, 'node_modules/node-red/red.js'))) return `Node-RED is not installed in ${dir}: run bench/peers/node-red/install.sh (npm run bench:node-red does)`;
  if (!existsSync(join(dir, 'node_modules/node-red-contrib-influxdb'))) return `node-red-contrib-influxdb is not installed in ${dir}: run bench/peers/node-red/install.sh`;
  return influxdMissing();
}

/** flow.json from the source tree, whether this runs from bench/ or dist/bench/. */
function flowFile(): string {
  const here = fileURLToPath(new URL('./flow.json', import.meta.url));
  return existsSync(here) ? here : fileURLToPath(new URL('../../../../bench/peers/node-red/flow.json', import.meta.url));
}

async function startNodeRed(dir: string, env: Record<string, string>): Promise<{ proc: ChildProcess; output(): string; close(): Promise<void> }> {
  const user = tempDir('shaobing-node-red-user-');
  copyFileSync(flowFile(), join(user.path, 'flows.json'));
  // credentialSecret false: the credentials file is plain JSON, written here for the broker login.
  writeFileSync(join(user.path, 'flows_cred.json'), JSON.stringify({ 'sb-broker': { user: PEER_USER, password: BENCH_PASSWORD } }));
  const port = await freePort();
  writeFileSync(
    join(user.path, 'settings.js'),
    `module.exports = { uiHost: '127.0.0.1', uiPort: ${port}, flowFile: 'flows.json', credentialSecret: false, ` +
      `logging: { console: { level: 'info', metrics: false, audit: false } }, diagnostics: { enabled: false }, ` +
      `externalModules: { autoInstall: false }, editorTheme: { tours: false } };\n`,
  );
  let output = '';
  const proc = spawn(process.execPath, [join(dir, 'node_modules/node-red/red.js'), '--userDir', user.path, '--settings', join(user.path, 'settings.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const append = (d: Buffer): void => {
    output = (output + d.toString()).slice(-20_000);
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  const close = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    user.remove();
  };
  const deadline = Date.now() + 60_000;
  while (!output.includes('Connected to broker')) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await close();
      throw new Error(`Node-RED did not connect to the broker:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, output: () => output, close };
}

export async function runNodeRedPeer(o: DriveOptions): Promise<PeerResult | { reason: string }> {
  const dir = nodeRedDir();
  const missing = nodeRedMissing(dir);
  if (missing) return { reason: missing };
  const { shape } = o;
  let mosquitto: BenchMosquitto | null = null;
  let influx: Influxd | null = null;
  let nodeRed: Awaited<ReturnType<typeof startNodeRed>> | null = null;
  try {
    const devices = Array.from({ length: shape.devices }, (_, i) => fleetDevice(shape, i));
    const valves = Array.from({ length: shape.valveSites }, (_, s) => `${siteId(s)}/${VALVE}`);
    mosquitto = await startBenchMosquitto({ usernames: [...devices.map((d) => `${d.site}/${d.device}`), ...valves], fullAccess: [PEER_USER], password: BENCH_PASSWORD });
    influx = await startInfluxd({ database: 'shaobing' });
    const port = new URL(mosquitto.url).port;
    nodeRed = await startNodeRed(dir, { SB_MQTT_HOST: '127.0.0.1', SB_MQTT_PORT: port, SB_INFLUX_PORT: String(influx.port), SB_INFLUX_DB: influx.database });
    const pid = nodeRed.proc.pid!;
    const db = influx;
    const count = async (): Promise<number> => {
      const r = await db.query('SELECT count("ch4") FROM "telemetry"');
      return Number(r.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
    };
    const d = await drive(o, { url: mosquitto.url, topics: makeTopics('shaobing'), sseUrl: null, storedSoFar: count, memory: () => ({ rss: procRssBytes(pid), heap: 0 }), cpuMs: () => procCpuMs(pid) });
    const stored = d.completeMs === null ? d.storedAtStop : await count();
    const storeLagMs = d.completeMs === null ? null : Math.max(0, d.completeMs - o.durationMs);
    // Still arriving when the harness stopped waiting: behind, not (yet) lost.
    const lost = d.completeMs === null ? null : d.sent - stored;
    const reasons: string[] = [];
    if (lost !== null && lost !== 0) reasons.push(`${lost} published readings not in InfluxDB`);
    if (storeLagMs === null) reasons.push(`InfluxDB held ${stored} of ${d.sent} readings ${Math.round((d.stopMs - o.durationMs) / 1000)} s after the schedule ended`);
    else if (storeLagMs > 2000) reasons.push(`InfluxDB held the last reading ${Math.round(storeLagMs)} ms after the schedule ended`);
    const version = (JSON.parse(readFileSync(join(dir, 'node_modules/node-red/package.json'), 'utf8')) as { version: string }).version;
    return {
      peer: 'node-red',
      offered_per_s: o.ratePerS,
      // Not finished: what it had stored per second from the first publish until the harness stopped waiting.
      readings_per_s: Math.round(d.completeMs === null ? stored / (d.stopMs / 1000) : d.sent / (d.completeMs / 1000)),
      sustained: reasons.length === 0,
      why_not_sustained: reasons.length === 0 ? null : reasons.join('; '),
      sent: d.sent,
      stored,
      lost,
      store_lag_ms: storeLagMs === null ? null : Math.round(storeLagMs),
      valve: summarize(leakLatencies(d, (s) => d.seen.cmdAtMs[s], true)),
      warmup_valve_max_ms: summarize(leakLatencies(d, (s) => d.seen.cmdAtMs[s], false)).max_ms,
      rss_mb_max: mb(d.rssMaxBytes),
      cpu_us_per_reading: Math.round(((d.cpuMs * 1000) / Math.max(1, stored)) * 10) / 10,
      readings_per_cpu_s: Math.round(stored / (d.cpuMs / 1000)),
      load_cpu_us_per_reading: d.loadCpuUsPerReading,
      node_red_version: version,
      flow: 'mqtt in (QoS1) → json → function (per-sensor threshold, red → mqtt out valve cmd) → join (500 or 200 ms) → influxdb batch (1.x)',
    };
  } finally {
    if (nodeRed) await nodeRed.close();
    if (influx) await influx.close();
    if (mosquitto) await mosquitto.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { devices: { type: 'string' }, rate: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' }, leaks: { type: 'string' } },
  });
  const leaks = Number(values.leaks ?? 30);
  const r = await runNodeRedPeer({
    shape: { devices: Number(values.devices ?? 2000), devicesPerSite: 40, valveSites: leaks + 5 },
    ratePerS: Number(values.rate ?? 20_000),
    durationMs: Number(values.duration ?? 20) * 1000,
    warmupMs: Number(values.warmup ?? 5) * 1000,
    leaks,
    warmupLeaks: 5,
    loadProcesses: 2,
  });
  console.log(JSON.stringify(r, null, 2));
  if ('reason' in r) process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
