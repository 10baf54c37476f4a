// A simulated kitchen gas detector on MQTT, plus the connection every simulated device shares:
// login as `<site>/<device>`, persistent session, retained birth and last will on `status`.

import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { deviceKey, type DeviceId, type DeviceRef, type SiteId } from '../../../gateway/src/contract/ids.js';
import type { Topics } from '../../../gateway/src/contract/topics.js';
// The device half of the broker's signed-login format: one definition of what is signed.
import { deriveLoginKey, signLogin } from '../../../broker/src/signed-login.js';

export interface DeviceConnectionOptions {
  readonly url: string;
  readonly site: string;
  readonly device: string;
  /** The static password, or with `login: 'signed'` the device secret the login key derives from. */
  readonly password: string;
  /** static (default): send `password` as it is; signed: a fresh one-time signed password per CONNECT. */
  readonly login?: 'static' | 'signed';
  /** From makeTopics(prefix): the only place topic strings are built. */
  readonly topics: Topics;
  /** Epoch milliseconds for payload `ts`; injected so tests control time. */
  readonly clock?: () => number;
  readonly log?: Logger;
  /** Pause between reconnect attempts; mqtt.js retries for ever after the first connect. */
  readonly reconnectPeriodMs?: number;
}

export interface DeviceConnection {
  readonly client: MqttClient;
  readonly ref: DeviceRef;
  readonly clock: () => number;
  readonly log: Logger;
  /**
   * Resolves once the first connection is up and its birth message acknowledged. Rejects on an
   * error before that (refused login, nothing listening): a simulator started against the wrong
   * broker should say so rather than retry silently.
   */
  readonly ready: Promise<void>;
  /** Publishes a retained `offline` status if connected, then closes the connection. */
  end(): Promise<void>;
}

const STOP_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Connects a simulated device. `onConnect` runs after each (re)connect's birth message, e.g. to
 * subscribe again: a broker restarted without its sessions (embedded aedes) forgot them.
 */
export function connectDevice(o: DeviceConnectionOptions, onConnect?: (client: MqttClient) => Promise<void>): DeviceConnection {
  const ref: DeviceRef = { site: o.site as SiteId, device: o.device as DeviceId };
  // Building the topics first checks both ids (makeTopics throws on a bad one) before any I/O.
  const statusTopic = o.topics.status(ref);
  const clock = o.clock ?? Date.now;
  const log = (o.log ?? pino({ level: 'silent' })).child({ site: o.site, device: o.device });

  const options: IClientOptions = {
    username: deviceKey(ref),
    password: o.password,
    // A fixed client id and clean: false keep the session, so QoS1 messages that were not yet
    // acknowledged are resent after a reconnect (docs/device-protocol.md, Connection).
    clientId: `${o.site}-${o.device}`,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: o.reconnectPeriodMs ?? 1000,
    connectTimeout: 10_000,
    will: { topic: statusTopic, payload: Buffer.from(JSON.stringify({ state: 'offline' })), qos: 1, retain: true },
  };
  const signing = o.login === 'signed' ? deriveLoginKey(o.password, deviceKey(ref)) : null;
  const sign = (loginKey: Buffer): string => signLogin({ loginKey, username: deviceKey(ref), clientId: options.clientId!, atMs: clock() });
  if (signing) options.password = sign(signing);
  const client = mqtt.connect(o.url, options);
  // mqtt.js sends options.password again on every reconnect: a signed one is single-use, so sign anew.
  if (signing) client.on('reconnect', () => void (client.options.password = sign(signing)));

  let connectedOnce = false;
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Nobody may await `ready` (a caller that only wants events); do not crash on its rejection.
  ready.catch(() => undefined);

  client.on('connect', () => {
    log.info({ url: o.url }, 'connected');
    const birth = JSON.stringify({ state: 'online', ts: clock() });
    client
      .publishAsync(statusTopic, birth, { qos: 1, retain: true })
      .then(() => onConnect?.(client))
      .then(() => {
        connectedOnce = true;
        resolveReady();
      })
      .catch((err: Error) => log.warn({ err }, 'birth or subscription after connect failed'));
  });
  client.on('error', (err) => {
    if (!connectedOnce) rejectReady(new Error(`${deviceKey(ref)} cannot connect to ${o.url}: ${err.message}`, { cause: err }));
    log.warn({ err: err.message }, 'mqtt error');
  });
  client.on('offline', () => log.warn('offline, will reconnect'));

  async function end(): Promise<void> {
    if (client.connected) {
      const offline = JSON.stringify({ state: 'offline', ts: clock() });
      const sent = await withTimeout(client.publishAsync(statusTopic, offline, { qos: 1, retain: true }), STOP_TIMEOUT_MS).catch(() => 'failed' as const);
      if (sent === 'timeout' || sent === 'failed') log.warn('offline status not acknowledged before stop');
    }
    // mqtt.js waits for every unacknowledged message before a clean end; with the broker gone
    // that is for ever, so after the timeout the connection is dropped instead.
    const clean = client.connected && (await withTimeout(client.endAsync(), STOP_TIMEOUT_MS)) !== 'timeout';
    if (!clean) client.stream?.destroy();
    if (!client.disconnected) await withTimeout(client.endAsync(true), STOP_TIMEOUT_MS);
  }

  return { client, ref, clock, log, ready, end };
}

export interface PublishedReading {
  readonly ts: number;
  readonly seq: number;
  readonly readings: Record<string, number>;
}

export interface GasDetectorOptions extends DeviceConnectionOptions {
  readonly intervalMs: number;
  /** Takes one reading, e.g. `{ ch4: 3.2, co: 4.1 }` from a scenario's room model. */
  readonly source: () => Record<string, number>;
  /** Unacknowledged telemetry allowed before a tick's reading is dropped instead of queued. */
  readonly maxInFlight?: number;
  /** Called when the broker acknowledged a reading (QoS1 PUBACK). */
  readonly onPublish?: (reading: PublishedReading) => void;
}

export interface GasDetector {
  /** Connects, publishes the birth, then a reading every intervalMs. */
  start(): Promise<void>;
  /** Stops the readings and closes the connection cleanly (retained `offline` status). */
  stop(): Promise<void>;
  /** Takes and publishes one reading now; resolves on the broker's acknowledgement. */
  publishOnce(): Promise<PublishedReading>;
  /** Readings the broker acknowledged. */
  readonly published: number;
  /** Readings skipped because the in-flight window was full (broker slow or gone). */
  readonly dropped: number;
  readonly connection: DeviceConnection | null;
}

export function createGasDetector(o: GasDetectorOptions): GasDetector {
  if (!(o.intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${o.intervalMs}`);
  const maxInFlight = o.maxInFlight ?? 100;
  const telemetryTopic = o.topics.telemetry({ site: o.site as SiteId, device: o.device as DeviceId });
  let connection: DeviceConnection | null = null;
  let timer: NodeJS.Timeout | null = null;
  let seq = 0;
  let inFlight = 0;
  let published = 0;
  let dropped = 0;

  async function publishOnce(): Promise<PublishedReading> {
    if (!connection) throw new Error('gas detector not started');
    const { client, clock } = connection;
    // Key order as in docs/device-protocol.md's example payload: ts, seq, readings.
    const reading: PublishedReading = { ts: clock(), seq: ++seq, readings: o.source() };
    inFlight++;
    try {
      await client.publishAsync(telemetryTopic, JSON.stringify(reading), { qos: 1 });
    } finally {
      inFlight--;
    }
    published++;
    o.onPublish?.(reading);
    return reading;
  }

  function tick(): void {
    if (!connection) return;
    // mqtt.js already queues QoS1 messages while offline; the window keeps that queue bounded.
    if (inFlight >= maxInFlight) {
      dropped++;
      // First drop, then one line per hundred: a dead broker must not flood the log.
      if (dropped === 1 || dropped % 100 === 0) connection.log.warn({ dropped, inFlight }, 'in-flight window full, reading dropped');
      return;
    }
    publishOnce().catch((err: Error) => connection?.log.warn({ err: err.message }, 'telemetry publish failed'));
  }

  async function start(): Promise<void> {
    if (connection) throw new Error('gas detector already started');
    connection = connectDevice(o);
    try {
      await connection.ready;
    } catch (err) {
      await connection.end();
      connection = null;
      throw err;
    }
    timer = setInterval(tick, o.intervalMs);
  }

  async function stop(): Promise<void> {
    if (timer) clearInterval(timer);
    timer = null;
    await connection?.end();
  }

  return {
    start,
    stop,
    publishOnce,
    get published() {
      return published;
    },
    get dropped() {
      return dropped;
    },
    get connection() {
      return connection;
    },
  };
}
