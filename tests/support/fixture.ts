// One fixture for the tests that need a running gateway: a real gateway on free loopback ports with
// a temporary data directory; its public faces (the MQTT url, the HTTP API, demo devices that
// publish, an alarm raised by publishing readings); and everything it started stopped after each
// test by cleanups registered once. A gateway that must die as a killed process dies as one: a
// child process and SIGKILL (`startProcess`), never a method of the runtime.
//
//   const fx = useGatewayFixture();           // in a describe block
//   const fx = useGatewayFixture({ per: 'suite' });  // one gateway for the block, stopped after it
//   const g = await fx.start();                // the demo kitchen, stopped after the test
//   const gas = await fx.device(g, 'gas-01');  // a detector with its own login
//   await fx.raise(g, 'gas-01', { ch4: 70 });  // red methane, through the broker

import { afterAll, afterEach } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import type { ConfigInput } from '../../gateway/src/config/schema.js';
import type { DeviceId, SiteId } from '../../gateway/src/contract/ids.js';
import { makeTopics, type Topics } from '../../gateway/src/contract/topics.js';
import type { Alarm } from '../../gateway/src/alarms/lifecycle.js';
import { configSchema } from '../../gateway/src/config/schema.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfigInput } from './gateway.js';
import { startGatewayProcess, writeConfig } from './gateway-process.js';
import { connectClient, deviceLogin } from './mqtt.js';
import { tempDir } from './tmp.js';

/** A gateway started in this process: the runtime's public faces, its MQTT url and its API. */
export type RunningGateway = Awaited<ReturnType<typeof startTestGateway>>;

export interface StartOptions {
  /** Reuse a data directory (a restart); a fresh temporary one when absent. */
  readonly dataDir?: string;
  /** Edits the demo kitchen's config input before it is parsed. */
  readonly patch?: (input: ConfigInput) => void;
  readonly clock?: () => number;
}

export interface TestDevice {
  readonly id: string;
  readonly client: MqttClient;
  /** Publishes one telemetry message per reading (QoS1, resolved at its PUBACK), one second of
   * reading time apart and ending now, with the device's next sequence numbers. */
  publish(...readings: Record<string, number>[]): Promise<void>;
}

/** A gateway in a child process: killed by the operating system's rules, not the runtime's. */
export interface GatewayChild {
  /** Where devices connect: the embedded broker, or the external one the config names. */
  readonly url: string;
  readonly topics: Topics;
  readonly apiPort: number | null;
  readonly dataDir: string;
  /** SIGKILL: no last commit, no last PUBACK, files closed by the kernel. */
  kill(): Promise<void>;
}

export interface GatewayFixture {
  /** A temporary directory, removed after the test. */
  dataDir(): string;
  /** Starts the demo kitchen (patched) in this process; stopped after the test. */
  start(options?: StartOptions): Promise<RunningGateway & { readonly dataDir: string }>;
  /** Starts it as a child process (`npm run build` first); killed after the test if still alive. */
  startProcess(options?: Omit<StartOptions, 'clock'>): Promise<GatewayChild>;
  /** A demo device logged in with its own password; disconnected after the test. */
  device(g: { readonly url: string; readonly topics: Topics }, id: string): Promise<TestDevice>;
  /** Raises an alarm through the broker as a device would: `readings` held for `seconds` of
   * reading time (past the kitchen rules' 2 s on-delay), then waits until the gateway has it. */
  raise(g: RunningGateway, device: string, readings: Record<string, number>, seconds?: number): Promise<Alarm>;
  /** Runs each of `fns` after the test (the suite with `per: 'suite'`); the last registered runs first. */
  defer(...fns: (() => unknown)[]): void;
}

export interface FixtureOptions {
  /** `test` (the default): what a test started is stopped after it. `suite`: after the describe
   * block, for a block whose tests walk through one story on one gateway (a browser session). */
  readonly per?: 'test' | 'suite';
}

export function useGatewayFixture(options: FixtureOptions = {}): GatewayFixture {
  const cleanups: (() => unknown)[] = [];
  const seqs = new Map<string, number>();
  (options.per === 'suite' ? afterAll : afterEach)(async () => {
    const failures: unknown[] = [];
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        failures.push(err);
      }
    }
    seqs.clear();
    if (failures.length > 0) throw new AggregateError(failures, 'gateway fixture cleanup failed');
  });

  const fixture: GatewayFixture = {
    dataDir() {
      const dir = tempDir();
      cleanups.push(() => dir.remove());
      return dir.path;
    },
    async start(options = {}) {
      const dataDir = options.dataDir ?? fixture.dataDir();
      const g = await startTestGateway(configSchema.parse(testConfigInput(dataDir, options.patch)), options.clock);
      cleanups.push(() => g.stop());
      return Object.assign(g, { dataDir });
    },
    async startProcess(options = {}) {
      const dataDir = options.dataDir ?? fixture.dataDir();
      const input = testConfigInput(dataDir, options.patch);
      const config = configSchema.parse(input);
      const topics = makeTopics(config.topicPrefix);
      const child = startGatewayProcess(writeConfig(dataDir, input));
      cleanups.push(() => child.kill('SIGKILL'));
      await child.ready;
      const ready = JSON.parse(child.lines.find((l) => l.includes('shaobing gateway ready'))!) as { brokerPort: number; apiPort: number | null };
      // An external broker's address is the config's; an embedded one's port is logged when ready.
      const url = config.broker.mode === 'external' ? config.broker.url! : `mqtt://127.0.0.1:${ready.brokerPort}`;
      return { url, topics, apiPort: ready.apiPort, dataDir, kill: () => child.kill('SIGKILL') };
    },
    async device(g, id) {
      const password = Object.entries(DEMO_PASSWORDS).find(([device]) => device === id)?.[1];
      if (password === undefined) throw new Error(`no demo device ${id}: the demo site has ${Object.keys(DEMO_PASSWORDS).join(', ')}`);
      const client = await connectClient(g.url, deviceLogin(DEMO_SITE, id, password));
      cleanups.push(() => client.endAsync());
      const topic = g.topics.telemetry({ site: DEMO_SITE as SiteId, device: id as DeviceId });
      return {
        id,
        client,
        async publish(...readings) {
          const base = Date.now() - readings.length * 1000;
          for (const [i, r] of readings.entries()) {
            const seq = (seqs.get(`${g.url}/${id}`) ?? 0) + 1;
            seqs.set(`${g.url}/${id}`, seq);
            await client.publishAsync(topic, JSON.stringify({ ts: base + (i + 1) * 1000, seq, readings: r }), { qos: 1 });
          }
        },
      };
    },
    async raise(g, device, readings, seconds = 4) {
      const d = await fixture.device(g, device);
      await d.publish(...Array.from({ length: seconds + 1 }, () => readings));
      const channels = Object.keys(readings);
      return eventually(() => g.alarms.activeAlarms().find((a) => a.device === device && channels.includes(a.channel)), 5000, `an alarm on ${device}`);
    },
    defer(...fns) {
      cleanups.push(...fns);
    },
  };
  return fixture;
}

/** Four readings of `readings` (methane 70 %LEL, red, by default) from the demo kitchen's gas-01, one
 * second apart and ending now (past the kitchen rules' 2 s on-delay), each at its PUBACK; then the
 * device disconnects. Nothing is awaited on the gateway side: the caller watches for what follows. */
export async function publishRedMethane(g: { readonly url: string; readonly topics: Topics }, readings: Record<string, number> = { ch4: 70 }): Promise<void> {
  const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
  const topic = g.topics.telemetry({ site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId });
  const base = Date.now() - 4000;
  for (let seq = 1; seq <= 4; seq++) await device.publishAsync(topic, JSON.stringify({ ts: base + seq * 1000, seq, readings }), { qos: 1 });
  await device.endAsync();
}

/** A config patch: the demo kitchen with its detectors only, no valve or fan (nothing to interlock). */
export function detectorsOnly(input: ConfigInput): void {
  input.sites[0]!.devices = input.sites[0]!.devices.filter((d) => d.kind === 'detector');
}

/**
 * Starts the gateway `config` once to create its state database in `dataDir`, stops it, lets
 * `seed` write rows into that database as if earlier runs had, then starts it again on them.
 * For a test that needs an alarm or events the live path cannot make quickly (ten minutes old).
 */
export async function startSeeded(config: Parameters<typeof startTestGateway>[0], dataDir: string, seed: (db: Database.Database) => void): Promise<RunningGateway> {
  await (await startTestGateway(config)).stop();
  const db = new Database(join(dataDir, 'state.db'));
  try {
    seed(db);
  } finally {
    db.close();
  }
  return startTestGateway(config);
}
