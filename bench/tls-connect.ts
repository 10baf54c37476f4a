// What MQTT over TLS costs the embedded broker at a login storm (every device reconnecting after a
// restart): connects per second and the broker process's CPU per connect, plain vs TLS with an
// RSA-2048 and a P-256 server certificate. The broker runs in a child process so that the CPU
// figure is its own, not the clients'. Logins use one account whose verified password is
// remembered (broker/src/login-digests.ts), so the figures are the transport's, not scrypt's.
// Run: npm run build && node dist/bench/tls-connect.js [--connects N --at-once N]

import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { startBroker } from '../broker/src/server.js';
import { hashPassword, makeAuthenticator } from '../broker/src/auth.js';
import { makeTopics } from '../gateway/src/contract/topics.js';

const MODES = ['plain', 'tls-rsa2048', 'tls-p256'] as const;
type Mode = (typeof MODES)[number];
const PASSWORD = 'bench-ops-secret';

function makeCerts(dir: string): void {
  const self = (key: string[], name: string) =>
    execFileSync('openssl', ['req', '-x509', '-newkey', ...key, '-nodes', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  self(['rsa:2048'], 'tls-rsa2048');
  self(['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'], 'tls-p256');
}

/** The child: a broker in the given mode; reports its port, then its CPU between 'go' and 'done'. */
async function serve(mode: Mode, dir: string): Promise<void> {
  const hash = await hashPassword(PASSWORD, { N: 1024 });
  const broker = await startBroker({
    host: '127.0.0.1',
    port: 0,
    plain: mode === 'plain',
    topics: makeTopics(),
    authenticator: makeAuthenticator({ sites: [], users: [{ username: 'ops', passwordHash: hash, role: 'gateway' }] }),
    log: pino({ level: 'silent' }),
    drainTimeoutMs: 5000,
    onTelemetry: (_r, _t, _p, done) => done(null),
    ...(mode === 'plain'
      ? {}
      : { tls: { host: '127.0.0.1', port: 0, files: { certFile: join(dir, `${mode}.crt`), keyFile: join(dir, `${mode}.key`) }, minVersion: 'TLSv1.2' as const, requireClientCert: false, handshakeTimeoutMs: 20_000 } }),
  });
  let cpu0 = process.cpuUsage();
  process.on('message', (m) => {
    if (m === 'go') cpu0 = process.cpuUsage();
    if (m !== 'done') return;
    const c = process.cpuUsage(cpu0);
    process.send!({ cpuMs: (c.user + c.system) / 1000 }, () => void broker.close().then(() => process.exit(0)));
  });
  process.send!({ port: mode === 'plain' ? broker.port : broker.tls!.port });
}

function next<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve) => child.once('message', (m) => resolve(m as T)));
}

async function storm(mode: Mode, dir: string, connects: number, atOnce: number): Promise<{ mode: Mode; perS: number; brokerCpuMsPerConnect: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', mode, '--dir', dir]);
  const { port } = await next<{ port: number }>(child);
  const url = mode === 'plain' ? `mqtt://127.0.0.1:${port}` : `mqtts://localhost:${port}`;
  const ca = mode === 'plain' ? {} : { ca: readFileSync(join(dir, `${mode}.crt`)) };
  const clients: MqttClient[] = [];
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const c = mqtt.connect(url, { username: 'ops', password: PASSWORD, clientId: `bench-${i}`, reconnectPeriod: 0, protocolVersion: 4, ...ca });
      c.once('connect', () => (clients.push(c), resolve()));
      c.once('error', reject);
    });
  await one(-1); // the first login pays the scrypt; the rest find the remembered digest
  child.send('go');
  const t0 = performance.now();
  let issued = 0;
  await Promise.all(Array.from({ length: atOnce }, async () => { while (issued < connects) await one(issued++); }));
  const ms = performance.now() - t0;
  child.send('done');
  const { cpuMs } = await next<{ cpuMs: number }>(child);
  await Promise.all(clients.map((c) => c.endAsync(true)));
  return { mode, perS: Math.round((connects / ms) * 1000), brokerCpuMsPerConnect: Number((cpuMs / connects).toFixed(2)) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { serve: { type: 'string' }, dir: { type: 'string' }, connects: { type: 'string', default: '2000' }, 'at-once': { type: 'string', default: '100' } } });
  if (values.serve) return serve(values.serve as Mode, values.dir!);
  const dir = mkdtempSync(join(tmpdir(), 'shaobing-tls-bench-'));
  try {
    makeCerts(dir);
    const connects = Number(values.connects);
    console.log(`load average before: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    for (const mode of MODES) {
      const r = await storm(mode, dir, connects, Number(values['at-once']));
      console.log(`${r.mode}: ${connects} connects at ${r.perS}/s; broker CPU ${r.brokerCpuMsPerConnect} ms per connect → 10 000 devices ≈ ${((r.brokerCpuMsPerConnect * 10_000) / 1000).toFixed(1)} s of one core`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
