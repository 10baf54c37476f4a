// What cutting many live devices at once costs the embedded broker (broker/src/live-clients.ts):
// N devices connected from a child process, then all their sites removed in one fleet change.
// Reports how long applySites + disconnect held the broker's thread, the broker's event-loop
// delay while the connections went down (other kitchens' alarms wait that long), and the time
// until the last client saw its connection close.
// Run: npm run build && node dist/bench/revoke-cut.js [--devices N]

import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { hashPassword, makeAuthenticator } from '../broker/src/auth.js';
import type { AccountSite } from '../broker/src/account-index.js';
import { startBroker } from '../broker/src/server.js';
import { makeTopics } from '../gateway/src/contract/topics.js';
import { machineInfo } from './results.js';

const PASSWORD = 'bench-device-password';
const DEVICES_PER_SITE = 10;
const username = (i: number) => `site-${Math.floor(i / DEVICES_PER_SITE)}/dev-${i % DEVICES_PER_SITE}`;

/** The child: connects `devices` clients, says so, then says when every one of them is closed. */
async function clients(port: number, devices: number): Promise<void> {
  const all: MqttClient[] = [];
  for (let i = 0; i < devices; i += 50) {
    const wave = Array.from({ length: Math.min(50, devices - i) }, (_, k) => i + k);
    await Promise.all(
      wave.map(
        (j) =>
          new Promise<void>((done, fail) => {
            const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { username: username(j), password: PASSWORD, clientId: `cut-${j}`, reconnectPeriod: 0, protocolVersion: 4 });
            c.once('connect', () => (all.push(c), done()));
            c.once('error', fail);
          }),
      ),
    );
  }
  let closed = 0;
  for (const c of all) c.once('close', () => ++closed === devices && process.send!({ allClosed: true }));
  process.send!({ connected: all.length });
}

async function run(devices: number): Promise<Record<string, number | string>> {
  const passwordHash = await hashPassword(PASSWORD, { N: 1024 });
  const sites: AccountSite[] = [];
  for (let s = 0; s * DEVICES_PER_SITE < devices; s++) sites.push({ id: `site-${s}`, devices: Array.from({ length: DEVICES_PER_SITE }, (_, d) => ({ id: `dev-${d}`, passwordHash })) });
  const auth = makeAuthenticator({ sites });
  const broker = await startBroker({ host: '127.0.0.1', port: 0, topics: makeTopics(), authenticator: auth, log: pino({ level: 'silent' }), drainTimeoutMs: 5000, onTelemetry: (_r, _t, _p, done) => done(null) });
  const child = fork(fileURLToPath(import.meta.url), ['--clients', String(broker.port), '--devices', String(devices)]);
  try {
    const messages: Record<string, unknown>[] = [];
    const next = (key: string) => new Promise<void>((ok) => child.on('message', (m: Record<string, unknown>) => (messages.push(m), m[key] !== undefined && ok())));
    await next('connected');
    await new Promise((r) => setTimeout(r, 500));
    const delay = monitorEventLoopDelay({ resolution: 2 });
    delay.enable();
    await new Promise((r) => setTimeout(r, 100)); // the histogram's timer must be running before the cut
    const allClosed = next('allClosed');
    const t0 = performance.now();
    const moves = auth.applySites(sites.map((before) => ({ before, after: undefined })));
    const cut = broker.disconnect(moves.revoked);
    const syncMs = performance.now() - t0;
    await allClosed;
    const allMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
    delay.disable();
    return {
      devices,
      cut,
      sync_ms: Math.round(syncMs),
      all_closed_ms: Math.round(allMs),
      loop_delay_p99_ms: Math.round(delay.percentile(99) / 1e6),
      loop_delay_max_ms: Math.round(delay.max / 1e6),
      /** The longest the broker answered nobody: the synchronous part or the worst turn after it. */
      longest_stall_ms: Math.round(Math.max(syncMs, delay.max / 1e6)),
      machine: machineInfo().machine,
      load_avg_1m: Math.round((loadavg()[0] ?? NaN) * 100) / 100,
    };
  } finally {
    child.kill();
    await broker.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { devices: { type: 'string' }, clients: { type: 'string' } } });
  const devices = Number(values.devices ?? 5000);
  if (values.clients !== undefined) return clients(Number(values.clients), devices);
  console.log(JSON.stringify(await run(devices)));
  process.exit(0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
