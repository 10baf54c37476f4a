// Benchmark of the dashboard API on a real gateway (embedded broker, SQLite state and time
// series): requests/s and latency for the alarm list and for history queries, the client load in
// a worker thread (node http, keep-alive, N concurrent loops; autocannon is not installed), and
// the time from a reading's publish to its event on the SSE stream.
// Run: npm run build && node dist/bench/api.js [--alarms N --readings N --concurrency N --seconds N --out FILE|-]

import { Worker } from 'node:worker_threads';
import { get, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { configSchema } from '../gateway/src/config/schema.js';
import { demoConfig, DEMO_PASSWORDS, DEMO_SITE } from '../gateway/src/config/demo.js';
import type { DeviceId, SiteId } from '../gateway/src/contract/ids.js';
import { silentLogger } from '../gateway/src/log.js';
import { startGateway } from '../gateway/src/compose.js';
import { raiseAlarm } from '../gateway/src/alarms/lifecycle.js';
import { LEVELS } from '../gateway/src/contract/levels.js';
import { hashToken } from '../dashboard-api/src/token-store.js';
import mqtt from 'mqtt';
import { machineInfo, writeResult, type BenchResult } from './results.js';
import type { ClientJob, ClientResult } from './api-client.js';
import { sseReader } from '../tests/support/sse.js';

export interface ApiBenchOptions {
  alarms?: number;
  readings?: number;
  concurrency?: number;
  seconds?: number;
  /** Readings timed from publish to their SSE event. */
  sseReadings?: number;
  outFile?: string | null;
}

const TOKEN = 'sb_bench-viewer-token-0123456789abcdefghijklmnopqrstuvw';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function load(job: ClientJob): Promise<ClientResult> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(new URL('./api-client.js', import.meta.url), { workerData: job });
    worker.once('message', (m: ClientResult | { error: string }) => {
      void worker.terminate();
      if ('error' in m) reject(new Error(m.error));
      else resolvePromise(m);
    });
    worker.once('error', reject);
  });
}

/** Readings of gas-01 one per second back from now, through MQTT (the real ingest path). */
async function publishReadings(port: number, count: number, nowMs: number): Promise<void> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: `${DEMO_SITE}/gas-01`, password: DEMO_PASSWORDS['gas-01'], clientId: 'bench-api-gas-01', reconnectPeriod: 0 });
  const topic = `shaobing/${DEMO_SITE}/gas-01/telemetry`;
  const start = nowMs - count * 1000;
  for (let i = 0; i < count; i += 500) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(count, i + 500); j++) {
      // Normal air (no alarm): 0.5–2.5 %LEL, 2–10 ppm.
      batch.push(client.publishAsync(topic, JSON.stringify({ ts: start + j * 1000, seq: j + 1, readings: { ch4: 0.5 + (j % 20) / 10, co: 2 + (j % 9) } }), { qos: 1 }));
    }
    await Promise.all(batch);
  }
  await client.endAsync();
}

/**
 * Publish → SSE: one reading at a time from a device, timed from the publish call to its
 * `reading` event arriving on a stream client (`?sites=`), through broker, intake, journal,
 * pipeline, event bus and HTTP. Client and server share this thread, so the figure includes the
 * client's own parsing.
 */
async function sseLatency(mqttPort: number, apiPort: number, count: number): Promise<number[]> {
  const waiting = new Map<number, () => void>();
  const res = await new Promise<IncomingMessage>((resolveRes, reject) =>
    get({ host: '127.0.0.1', port: apiPort, path: `/api/v1/stream?sites=${DEMO_SITE}&access_token=${TOKEN}` }, resolveRes).on('error', reject),
  );
  res.setEncoding('utf8');
  res.on(
    'data',
    sseReader((block) => {
      if (block.event !== 'reading' || block.data === null) return;
      waiting.get((JSON.parse(block.data) as { tsMs: number }).tsMs)?.();
    }),
  );
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: `${DEMO_SITE}/gas-01`, password: DEMO_PASSWORDS['gas-01'], clientId: 'bench-api-sse', reconnectPeriod: 0 });
  const latencies: number[] = [];
  const base = Date.now();
  for (let i = 0; i < count; i++) {
    const tsMs = base + i;
    const arrived = new Promise<void>((r) => waiting.set(tsMs, r));
    const t0 = performance.now();
    await client.publishAsync(`shaobing/${DEMO_SITE}/gas-01/telemetry`, JSON.stringify({ ts: tsMs, seq: 10_000_000 + i, readings: { ch4: 1.1, co: 3 } }), { qos: 1 });
    await arrived;
    latencies.push(performance.now() - t0);
    waiting.delete(tsMs);
  }
  await client.endAsync();
  res.destroy();
  return latencies;
}

export async function runApiBench(options: ApiBenchOptions = {}): Promise<BenchResult> {
  const alarms = options.alarms ?? 20_000;
  const readings = options.readings ?? 86_400;
  const concurrency = options.concurrency ?? 8;
  const seconds = options.seconds ?? 5;
  const dataDir = mkdtempSync(join(tmpdir(), 'shaobing-bench-api-'));
  const input = demoConfig();
  input.broker = { port: 0 };
  input.storage = { dataDir, journalKeepS: 86_400 };
  input.api = {
    port: 0,
    bootstrapTokens: [{ name: 'bench', role: 'viewer', tokenHash: hashToken(TOKEN) }],
    rateLimit: { max: 100_000_000, windowS: 60 },
  };
  const runtime = await startGateway(configSchema.parse(input), { log: silentLogger() });
  try {
    // Alarms over the last 30 days on 50 sites, all levels, a tenth still active.
    const nowMs = Date.now();
    for (let i = 0; i < alarms; i++) {
      const site = i % 50 === 0 ? DEMO_SITE : `site-${i % 50}`;
      const outcome = raiseAlarm({ id: `bench-${i}`, site, device: `gas-${i % 7}`, channel: 'ch4', quantity: 'methane_lel', ruleId: 'kitchen-methane', level: LEVELS[i % 4]!, value: 30, atMs: nowMs - (alarms - i) * 120_000 });
      const next = i % 10 === 0 ? outcome.next : { ...outcome.next, state: 'cleared' as const, clearedAtMs: outcome.next.raisedAtMs + 60_000 };
      runtime.faces.alarmRepo.save(next, outcome.events);
    }
    await publishReadings(runtime.brokerPort!, readings, nowMs);
    await runtime.flush();
    const stored = await runtime.faces.telemetry.countMessages({ site: DEMO_SITE, device: 'gas-01' as DeviceId as string });

    const port = runtime.apiPort!;
    const hist = `/api/v1/history?site=${DEMO_SITE as SiteId}&device=gas-01&channel=ch4`;
    const cases: [string, string][] = [
      ['alarms_list_100', '/api/v1/alarms?limit=100'],
      ['alarms_site_active_50', `/api/v1/alarms?site=${DEMO_SITE}&active=true&limit=50`],
      ['history_raw_1h', `${hist}&fromMs=${nowMs - 3_600_000}&toMs=${nowMs}`],
      ['history_1m_mean_24h', `${hist}&fromMs=${nowMs - 86_400_000}&toMs=${nowMs}&every=1m&agg=mean`],
    ];
    const result: BenchResult = { ...machineInfo(), alarms_seeded: alarms, readings_stored: stored, concurrency, seconds_per_case: seconds, loadavg_1m_at_start: Number(loadavg()[0]!.toFixed(2)) };
    for (const [name, path] of cases) {
      await load({ port, token: TOKEN, path, concurrency, durationMs: 500 }); // warm-up
      const r = await load({ port, token: TOKEN, path, concurrency, durationMs: seconds * 1000 });
      const sorted = [...r.latenciesMs].sort((a, b) => a - b);
      result[`${name}_req_per_s`] = Math.round((r.requests / r.elapsedMs) * 1000);
      result[`${name}_p50_ms`] = Number(percentile(sorted, 50).toFixed(2));
      result[`${name}_p99_ms`] = Number(percentile(sorted, 99).toFixed(2));
      result[`${name}_bytes_per_response`] = Math.round(r.bytes / Math.max(1, r.requests));
      result[`${name}_errors`] = r.errors;
    }
    const sse = (await sseLatency(runtime.brokerPort!, port, options.sseReadings ?? 500)).sort((a, b) => a - b);
    result.sse_readings = sse.length;
    result.sse_publish_to_event_p50_ms = Number(percentile(sse, 50).toFixed(2));
    result.sse_publish_to_event_p99_ms = Number(percentile(sse, 99).toFixed(2));
    writeResult(options.outFile, 'bench/results/api.json', result);
    return result;
  } finally {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const { values } = parseArgs({
    options: { alarms: { type: 'string' }, readings: { type: 'string' }, concurrency: { type: 'string' }, seconds: { type: 'string' }, out: { type: 'string' } },
  });
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  runApiBench({
    ...(values.alarms ? { alarms: num(values.alarms)! } : {}),
    ...(values.readings ? { readings: num(values.readings)! } : {}),
    ...(values.concurrency ? { concurrency: num(values.concurrency)! } : {}),
    ...(values.seconds ? { seconds: num(values.seconds)! } : {}),
    ...(values.out ? { outFile: values.out === '-' ? null : values.out } : {}),
  }).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
