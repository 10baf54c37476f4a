// Simulated devices for the fault suite: each detector is an mqtt.js client with a fixed client id
// and a persistent session (clean: false) that publishes QoS1 telemetry with its own seq counter
// and reconnects by itself. A reading counts as published only once its PUBACK came back, which is
// what the gateway promises to keep (docs/architecture.md, the acknowledgement contract).

import mqtt, { type MqttClient } from 'mqtt';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { commandSchema, parseJson, type Command } from '../../../gateway/src/contract/command.js';

export interface DeviceLogin {
  readonly site: string;
  readonly device: string;
  readonly password: string;
}

export interface FleetOptions {
  readonly url: string;
  readonly devices: readonly DeviceLogin[];
  /** Readings per second per device. */
  readonly ratePerS: number;
  /** The readings of one message; default clean air. */
  readonly readings?: (device: string, seq: number) => Record<string, number>;
  readonly topicPrefix?: string;
}

const key = (site: string, device: string): string => `${site}/${device}`;

/** Fixed per device, so the broker resumes its session after a restart. */
export function deviceClientId(site: string, device: string): string {
  return `fault-${site}-${device}`;
}

export class DeviceFleet {
  readonly clients = new Map<string, MqttClient>();
  /** site/device → seqs whose PUBACK arrived. */
  readonly acked = new Map<string, Set<number>>();
  /** site/device → last seq handed to the client. */
  readonly sent = new Map<string, number>();
  /** Time of each PUBACK, to find the first one after a fault. */
  private readonly ackTimes: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly topics;

  constructor(private readonly options: FleetOptions) {
    this.topics = makeTopics(options.topicPrefix);
  }

  /** Connects every device (resolves once all are connected) and starts publishing. */
  async start(): Promise<void> {
    await Promise.all(
      this.options.devices.map(
        (d) =>
          new Promise<void>((resolve, reject) => {
            const client = mqtt.connect(this.options.url, {
              protocolVersion: 4,
              clientId: deviceClientId(d.site, d.device),
              clean: false,
              username: key(d.site, d.device),
              password: d.password,
              reconnectPeriod: 200,
              // 50 devices at once wait for the broker's scrypt checks one after another (soak).
              connectTimeout: 30_000,
            });
            this.clients.set(key(d.site, d.device), client);
            this.acked.set(key(d.site, d.device), new Set());
            this.sent.set(key(d.site, d.device), 0);
            client.once('connect', () => resolve());
            // A refusal at the first connect is a setup error; later errors are the fault under test.
            client.once('error', reject);
            // Refused connections while the broker is down are the fault under test, not a crash.
            client.on('error', () => {});
          }),
      ),
    );
    this.resume();
  }

  /** Starts (again) generating readings at the configured rate. */
  resume(): void {
    if (this.timer) return;
    const tickMs = 20;
    let owed = 0;
    this.timer = setInterval(() => {
      owed += (this.options.ratePerS * tickMs) / 1000;
      const n = Math.floor(owed);
      owed -= n;
      for (let i = 0; i < n; i++) for (const d of this.options.devices) this.publishNext(d.site, d.device);
    }, tickMs);
  }

  /** Stops generating new readings; what is in flight is still resent until acknowledged. */
  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  publishNext(site: string, device: string, readings?: Record<string, number>): void {
    const k = key(site, device);
    const client = this.clients.get(k)!;
    const seq = this.sent.get(k)! + 1;
    this.sent.set(k, seq);
    const payload = JSON.stringify({ ts: Date.now(), seq, readings: readings ?? this.options.readings?.(device, seq) ?? { ch4: 1 + (seq % 10) / 10, co: 3 } });
    client.publish(this.topics.telemetry({ site: site as SiteId, device: device as DeviceId }), payload, { qos: 1 }, (err) => {
      if (err) return; // never acknowledged: not counted as published
      this.acked.get(k)!.add(seq);
      this.ackTimes.push(Date.now());
    });
  }

  get publishedCount(): number {
    let n = 0;
    for (const s of this.acked.values()) n += s.size;
    return n;
  }

  get sentCount(): number {
    let n = 0;
    for (const s of this.sent.values()) n += s;
    return n;
  }

  /** First PUBACK at or after `atMs`, or null. */
  firstAckAfter(atMs: number): number | null {
    for (const t of this.ackTimes) if (t >= atMs) return t;
    return null;
  }

  /** Resolves once every reading handed to a client has its PUBACK. */
  async settle(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.publishedCount < this.sentCount) {
      if (Date.now() > deadline) throw new Error(`devices still wait for ${this.sentCount - this.publishedCount} PUBACKs after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    this.pause();
    await Promise.all([...this.clients.values()].map((c) => c.endAsync(true)));
  }
}

/** A valve that answers each stop-work command with an ack, unless told to stay silent. */
export class SimulatedValve {
  readonly commands: Command[] = [];
  client: MqttClient | null = null;
  silent: boolean;

  constructor(
    private readonly url: string,
    private readonly login: DeviceLogin,
    options: { silent?: boolean; topicPrefix?: string } = {},
  ) {
    this.silent = options.silent ?? false;
    this.topics = makeTopics(options.topicPrefix);
  }

  private readonly topics;

  async start(): Promise<void> {
    const ref = { site: this.login.site as SiteId, device: this.login.device as DeviceId };
    const client = await mqtt.connectAsync(this.url, {
      protocolVersion: 4,
      clientId: deviceClientId(this.login.site, this.login.device),
      clean: false,
      username: key(this.login.site, this.login.device),
      password: this.login.password,
      reconnectPeriod: 200,
    });
    this.client = client;
    client.on('error', () => {}); // reconnects by itself while the broker is down
    client.on('message', (topic, payload) => {
      if (topic !== this.topics.cmd(ref)) return;
      const command = parseJson(commandSchema, payload);
      if (!command.ok) return;
      this.commands.push(command.value);
      if (this.silent) return;
      const ack = { id: command.value.id, ok: true, state: 'closed', position: 'closed', ts: Date.now() };
      client.publish(this.topics.cmdAck(ref), JSON.stringify(ack), { qos: 1 });
    });
    await client.subscribeAsync(this.topics.cmd(ref), { qos: 1 });
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true);
  }
}
