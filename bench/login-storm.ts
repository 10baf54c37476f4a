// Login storm: N static-password devices (production scrypt cost) connected to the embedded
// broker, the gateway restarted, and every device reconnecting at once, the way a gas company's
// kitchens come back after an upgrade. Measures how long until all are back, per-device time to
// CONNACK 0, CONNACK timeouts, refusals, and the gateway's event-loop delay meanwhile. The fleet
// runs in a child process (pipeline-spawn.ts) so it never shares the gateway's event loop.
// Run: npm run bench:login-storm [-- --devices 10000 --label after --first-wave true --wave-limit-s 600 --out bench/results/login-storm.json]

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { hashPassword } from '../broker/src/auth.js';
import { configSchema, type Config, type ConfigInput } from '../gateway/src/config/schema.js';
import { silentLogger } from '../gateway/src/log.js';
import { startRuntime, type Runtime } from '../gateway/src/runtime.js';
import { spawnChild } from './pipeline-spawn.js';
import { machineInfo, type BenchResult } from './results.js';
import type { RawMqtt } from './raw-mqtt-client.js';

const PASSWORD = 'login-storm-device-password';
const DEVICES_PER_SITE = 100;
/** mqtt.js's default connectTimeout: a device that waits longer counts a CONNACK timeout and retries. */
const CONNECT_TIMEOUT_MS = 30_000;
/** mqtt.js's default reconnectPeriod. */
const RETRY_MS = 1_000;
/** A wave that has not finished by then is reported unfinished rather than waited for (--wave-limit-s). */
const DEFAULT_WAVE_LIMIT_S = 600;

interface FleetInput {
  readonly url: string;
  readonly devices: number;
  readonly devicesPerSite: number;
  readonly password: string;
  readonly connectTimeoutMs: number;
  readonly retryMs: number;
  readonly waveLimitMs: number;
}

interface WaveReport {
  readonly type: 'wave';
  readonly connected: number;
  readonly all_back_ms: number | null;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  readonly connack_timeouts: number;
  readonly refused: Record<string, number>;
  readonly other_errors: number;
  readonly first_error: string | null;
}

/**
 * Runs in the child. On `{ type: 'wave' }` every device connects at once (retrying after a
 * failure, as mqtt.js does) and the child reports a WaveReport; on `{ type: 'exit' }` it leaves.
 */
function fleet(_mqtt: unknown, input: FleetInput, raw: RawMqtt): void {
  const clients: ({ end(): Promise<void> } | null)[] = new Array(input.devices).fill(null);
  const wave = (): void => {
    const t0 = Date.now();
    const times: number[] = [];
    let timeouts = 0;
    let other = 0;
    let firstError: string | null = null;
    const refused: Record<string, number> = {};
    let pending = input.devices;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      times.sort((a, b) => a - b);
      const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? -1;
      process.send!({
        type: 'wave',
        connected: times.length,
        all_back_ms: pending === 0 ? Date.now() - t0 : null,
        p50_ms: q(0.5),
        p99_ms: q(0.99),
        max_ms: times[times.length - 1] ?? -1,
        connack_timeouts: timeouts,
        refused,
        other_errors: other,
        first_error: firstError,
      });
    };
    const limit = setTimeout(finish, input.waveLimitMs);
    const attempt = (i: number): void => {
      if (finished) return;
      const site = `s-${Math.floor(i / input.devicesPerSite)}`;
      const device = `d-${i % input.devicesPerSite}`;
      raw
        .connect({ url: input.url, clientId: `${site}-${device}`, username: `${site}/${device}`, password: input.password, clean: true, keepaliveS: 0, connectTimeoutMs: input.connectTimeoutMs })
        .then(
          (client) => {
            clients[i] = client;
            times.push(Date.now() - t0);
            if (--pending === 0) {
              clearTimeout(limit);
              finish();
            }
          },
          (err: Error & { returnCode?: number }) => {
            if (err.returnCode !== undefined) refused[String(err.returnCode)] = (refused[String(err.returnCode)] ?? 0) + 1;
            else if (/no CONNACK/.test(err.message)) timeouts++;
            else other++;
            firstError ??= err.message;
            setTimeout(() => attempt(i), input.retryMs);
          },
        );
    };
    for (let i = 0; i < input.devices; i++) attempt(i);
  };
  process.on('message', (m: { type: string }) => {
    if (m.type === 'wave') wave();
    if (m.type === 'exit') process.exit(0);
  });
  process.send!({ type: 'ready' });
}

/** Production cost (DEFAULT_SCRYPT, N=16 384): the login cost is what this bench measures. One
 * hash for all devices (each username still pays its own verification), made once: a new hash
 * (new salt) at the restart would be a password change, which rightly forgets every login. */
let hashOnce: Promise<string> | undefined;

async function stormConfig(dataDir: string, devices: number, port: number): Promise<Config> {
  hashOnce ??= hashPassword(PASSWORD);
  const hash = await hashOnce;
  const sites: NonNullable<ConfigInput['sites']> = [];
  for (let s = 0; s * DEVICES_PER_SITE < devices; s++) {
    const ids = Array.from({ length: Math.min(DEVICES_PER_SITE, devices - s * DEVICES_PER_SITE) }, (_, j) => `d-${j}`);
    sites.push({ id: `s-${s}`, name: `storm site ${s}`, devices: ids.map((id) => ({ id, kind: 'detector' as const, passwordHash: hash, channels: { ch4: { quantity: 'methane_lel' as const } } })) });
  }
  return configSchema.parse({
    sites,
    broker: { mode: 'embedded', host: '127.0.0.1', port },
    api: { enabled: false },
    storage: { dataDir },
    log: { level: 'silent' },
  } satisfies ConfigInput);
}

async function measuredWave(send: () => void, next: () => Promise<WaveReport>): Promise<WaveReport & { loop_delay_p99_ms: number; loop_delay_max_ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  send();
  const report = await next();
  h.disable();
  return { ...report, loop_delay_p99_ms: Math.round(h.percentile(99) / 1e6), loop_delay_max_ms: Math.round(h.max / 1e6) };
}

/**
 * `firstWave: false` skips the first connect and measures the restart alone, for code that keeps
 * nothing across a restart (there the restart wave is a first connect; it saves the machine a
 * whole storm of scrypt runs).
 */
export async function runLoginStorm(o: { devices: number; label: string; firstWave: boolean; waveLimitS: number }): Promise<BenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shaobing-storm-'));
  let runtime: Runtime | null = null;
  try {
    runtime = await startRuntime(await stormConfig(dataDir, o.devices, 0), { log: silentLogger() });
    const port = runtime.brokerPort!;
    const input: FleetInput = { url: `mqtt://127.0.0.1:${port}`, devices: o.devices, devicesPerSite: DEVICES_PER_SITE, password: PASSWORD, connectTimeoutMs: CONNECT_TIMEOUT_MS, retryMs: RETRY_MS, waveLimitMs: o.waveLimitS * 1000 };
    const devices = spawnChild<never>('login-storm fleet', fleet as never, input);
    try {
      await devices.next('ready');
      const first = o.firstWave ? await measuredWave(() => devices.send({ type: 'wave' }), () => devices.next<WaveReport>('wave')) : null;
      if (first) console.error(`first connect: ${JSON.stringify(first)}`);
      await runtime.stop();
      runtime = null;
      // The fleet's sockets close with the broker; each device comes back at once after the restart.
      runtime = await startRuntime(await stormConfig(dataDir, o.devices, port), { log: silentLogger() });
      const restart = await measuredWave(() => devices.send({ type: 'wave' }), () => devices.next<WaveReport>('wave'));
      console.error(`after restart: ${JSON.stringify(restart)}`);
      const result: BenchResult = {
        ...machineInfo(),
        label: o.label,
        devices: o.devices,
        scrypt: 'N=16384 r=8 p=1 (the shipped default)',
        connect_timeout_ms: CONNECT_TIMEOUT_MS,
        retry_ms: RETRY_MS,
        wave_limit_s: o.waveLimitS,
        ...(first ? flatten('first', first) : { first: 'skipped (--first-wave false)' }),
        ...flatten('restart', restart),
      };
      return result;
    } finally {
      devices.send({ type: 'exit' });
      devices.kill();
    }
  } finally {
    if (runtime) await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function flatten(prefix: string, report: WaveReport): BenchResult {
  const out: BenchResult = {};
  for (const [key, value] of Object.entries(report)) {
    if (key === 'type') continue;
    out[`${prefix}_${key}`] = value === null ? (key === 'all_back_ms' ? 'unfinished' : 'none') : typeof value === 'object' ? JSON.stringify(value) : (value as number | string);
  }
  return out;
}

/** Before and after in one file: results of earlier labels are kept when a new label is written. */
function merge(file: string, label: string, result: BenchResult): Record<string, BenchResult> {
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, BenchResult>) : {};
  return { ...previous, [label]: result };
}

if (process.argv[1]?.endsWith('login-storm.js')) {
  const { values } = parseArgs({ options: { devices: { type: 'string', default: '10000' }, label: { type: 'string', default: 'after' }, out: { type: 'string', default: 'bench/results/login-storm.json' }, 'first-wave': { type: 'string', default: 'true' }, 'wave-limit-s': { type: 'string', default: String(DEFAULT_WAVE_LIMIT_S) } } });
  const label = values.label!;
  const result = await runLoginStorm({ devices: Number(values.devices), label, firstWave: values['first-wave'] !== 'false', waveLimitS: Number(values['wave-limit-s']) });
  const merged = merge(values.out!, label, result);
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(merged, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
