// The publishing half of the pipeline benchmark, run in a child process (pipeline-spawn.ts): one
// MQTT 3.1.1 connection per simulated detector (QoS1), publishing at a set total rate (open loop:
// the schedule does not wait for PUBACKs, as real detectors do not), and leaks injected at known
// times. The connections are the lean raw-mqtt-client.ts by default (a few µs of this machine's
// CPU per reading, as close to "each detector is its own hardware" as a shared machine gets) or
// mqtt.js 5 (`client: 'mqttjs'`, for comparison). Times are process.hrtime (CLOCK_MONOTONIC, one
// clock for every process on the machine), so a publish here and a receipt in another process
// can be subtracted.

import type * as Mqtt from 'mqtt';
import type { RawMqtt } from './raw-mqtt-client.js';

/** Which MQTT client the simulated detectors use. */
export type LoadClient = 'raw' | 'mqttjs';
export const LOAD_CLIENTS: readonly LoadClient[] = ['raw', 'mqttjs'];

export interface LoadDevice {
  readonly username: string;
  readonly clientId: string;
  readonly topic: string;
}

export interface LoadLeak {
  /** Index into `devices`. */
  readonly index: number;
  /** After `go`. */
  readonly atMs: number;
  /** How long the device keeps reading red before the air clears. */
  readonly holdMs: number;
}

export interface LoadInput {
  readonly url: string;
  readonly password: string;
  readonly devices: readonly LoadDevice[];
  readonly ratePerS: number;
  readonly durationMs: number;
  /** Readings acknowledged before this are not in the rate (they are in the loss count). */
  readonly warmupMs: number;
  /** Past this many unacknowledged publishes the schedule waits: the gateway is not keeping up. */
  readonly maxInFlight: number;
  readonly leaks: readonly LoadLeak[];
  /** methane %LEL of a leak reading: above the kitchen red set point (50 %LEL). */
  readonly leakLel: number;
  /** Publish every device's topic over this many connections of one gateway-role account
   * instead of one login per device (the memory phase: 50 000 logins would measure the broker). */
  readonly shared?: { readonly username: string; readonly connections: number };
  /** Default 'raw'. */
  readonly client?: LoadClient;
}

export interface LoadOutput {
  readonly type: 'done';
  readonly error?: string;
  readonly sent: number;
  readonly acked: number;
  /** PUBACKs inside [warmupMs, durationMs] (by ack time) and that window's length. */
  readonly ackedInWindow: number;
  readonly windowMs: number;
  /** Publish → PUBACK of the readings sent inside the window, ms. */
  readonly pubackMs: number[];
  /** Wall time the schedule waited because maxInFlight was reached. */
  readonly throttledMs: number;
  readonly maxInFlightSeen: number;
  /** From the end of the schedule to the last PUBACK. */
  readonly drainMs: number;
  /** hrtime (ms) of each leak's first red publish, by leak order. */
  readonly leakPublishedAtMs: number[];
  readonly connectMs: number;
  /** This process's own CPU (user + system, µs) from `go` until the last PUBACK. */
  readonly cpuUs: number;
  /** The system (kernel) part of it: on loopback, a write also runs the receiving side's TCP
   * input in this process's context, work the gateway machine's kernel would do in real life. */
  readonly cpuSystemUs: number;
  readonly client: LoadClient;
}

/** Runs in the child: `mqtt` is the package, `input` the LoadInput, `raw` the lean client. */
export function loadChild(mqtt: typeof Mqtt, input: LoadInput, raw: RawMqtt): void {
  const send = (m: unknown): void => void process.send!(m as object);
  const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
  const n = input.devices.length;
  const kind: LoadClient = input.client ?? 'raw';
  /** One connection, whichever client holds it; `done` runs once per publish (error or PUBACK). */
  interface Conn {
    publish(topic: unknown, payload: string, done: (err: Error | null) => void): void;
    /** `onEnd` runs when the connection fails or closes. */
    watch(onEnd: (err: Error) => void): void;
  }
  const clients: Conn[] = new Array(n);
  // Each device's topic in the form its client publishes fastest (raw: encoded once).
  const topics: unknown[] = input.devices.map((d) => (kind === 'raw' ? raw.topic(d.topic) : d.topic));
  const seqs = new Uint32Array(n);
  const leakUntil = new Float64Array(n); // schedule time until which a device reads red
  // A device's timestamps strictly increase: InfluxDB keeps one point per series and timestamp,
  // so a leak reading sent in the same millisecond as a regular one would overwrite it there.
  const lastTs = new Float64Array(n);
  let rng = 0x5eed;
  const random = (): number => {
    rng = (rng + 0x6d2b79f5) >>> 0;
    let t = rng;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const closedEarly = (): Error => new Error('a device connection closed during the run');

  function connectMqttjs(d: LoadDevice): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const c = mqtt.connect(input.url, {
        protocolVersion: 4,
        clientId: d.clientId,
        username: d.username,
        password: input.password,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 60_000,
        keepalive: 300,
      });
      c.once('connect', () =>
        resolve({
          publish: (topic, payload, done) => void c.publish(topic as string, payload, { qos: 1 }, (err) => done(err ?? null)),
          watch: (onEnd) => {
            c.on('error', onEnd);
            c.on('close', () => onEnd(closedEarly()));
          },
        }),
      );
      c.once('error', reject);
    });
  }

  async function connectRaw(d: LoadDevice): Promise<Conn> {
    const c = await raw.connect({ url: input.url, clientId: d.clientId, username: d.username, password: input.password, clean: true, keepaliveS: 300, connectTimeoutMs: 60_000 });
    return {
      publish: (topic, payload, done) => {
        try {
          c.publish(topic as Parameters<typeof c.publish>[0], payload, done);
        } catch (err) {
          done(err as Error); // closed under us: the close handler says why
        }
      },
      watch: (onEnd) => c.onClose((err) => onEnd(err ?? closedEarly())),
    };
  }

  async function run(): Promise<LoadOutput> {
    const c0 = nowMs();
    const shared = input.shared;
    const logins: LoadDevice[] = shared
      ? Array.from({ length: shared.connections }, (_, k) => ({ username: shared.username, clientId: `bench-shared-${process.pid}-${k}`, topic: '' }))
      : [...input.devices];
    const connect = kind === 'raw' ? connectRaw : connectMqttjs;
    const conns: Conn[] = [];
    for (let i = 0; i < logins.length; i += 250) conns.push(...(await Promise.all(logins.slice(i, i + 250).map(connect))));
    for (let i = 0; i < n; i++) clients[i] = conns[i % conns.length]!;
    const connectMs = nowMs() - c0;
    let failure: Error | null = null;
    let stopping = false;
    for (const c of conns) {
      c.watch((err) => {
        if (!stopping) failure ??= err;
      });
    }
    send({ type: 'connected', connectMs });
    await new Promise<void>((resolve) => process.once('message', () => resolve()));

    const t0 = nowMs();
    const cpuAtGo = process.cpuUsage();
    let sent = 0;
    let acked = 0;
    let ackedInWindow = 0;
    let inFlight = 0;
    let maxInFlightSeen = 0;
    let throttledMs = 0;
    let lastAckAt = t0;
    let next = 0; // round-robin device
    const pubackMs: number[] = [];
    const leakPublishedAtMs: number[] = new Array(input.leaks.length).fill(Number.NaN);
    let leakCursor = 0;
    const leaks = [...input.leaks].map((l, k) => ({ ...l, k })).sort((a, b) => a.atMs - b.atMs);

    const publish = (i: number, tMs: number, leakK: number): void => {
      const seq = ++seqs[i]!;
      const red = leakK >= 0 || tMs < leakUntil[i]!;
      const ch4 = red ? input.leakLel : Math.round((0.5 + random() * 2) * 100) / 100;
      const ts = Math.max(Date.now(), lastTs[i]! + 1);
      lastTs[i] = ts;
      const payload = `{"ts":${ts},"seq":${seq},"readings":{"ch4":${ch4},"co":${Math.round((2 + random() * 8) * 10) / 10}}}`;
      const start = nowMs();
      if (leakK >= 0) leakPublishedAtMs[leakK] = start;
      const inWindow = tMs >= input.warmupMs;
      sent++;
      inFlight++;
      if (inFlight > maxInFlightSeen) maxInFlightSeen = inFlight;
      clients[i]!.publish(topics[i], payload, (err) => {
        if (err) {
          failure ??= err;
          return;
        }
        const end = nowMs();
        inFlight--;
        acked++;
        lastAckAt = end;
        if (inWindow) pubackMs.push(end - start);
        const at = end - t0;
        if (at >= input.warmupMs && at <= input.durationMs) ackedInWindow++;
      });
    };

    let lastTickMs = 0;
    const scheduled = Math.floor((input.durationMs * input.ratePerS) / 1000);
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const t = nowMs() - t0;
        if (failure) return resolve();
        while (leakCursor < leaks.length && leaks[leakCursor]!.atMs <= t) {
          const l = leaks[leakCursor++]!;
          leakUntil[l.index] = l.atMs + l.holdMs;
          publish(l.index, t, l.k);
        }
        const due = Math.floor((Math.min(t, input.durationMs) * input.ratePerS) / 1000) - (sent - leakCursor);
        let budget = Math.min(due, input.maxInFlight - inFlight);
        if (due > 0 && budget <= 0) throttledMs += t - lastTickMs;
        lastTickMs = t;
        while (budget-- > 0) {
          publish(next, t, -1);
          next = next + 1 === n ? 0 : next + 1;
        }
        // Done when the whole schedule is out, even if the in-flight cap made it late.
        if (t >= input.durationMs && leakCursor >= leaks.length && sent - leakCursor >= scheduled) return resolve();
        setTimeout(tick, 1);
      };
      tick();
    });
    const scheduleEnd = nowMs();
    const deadline = scheduleEnd + 60_000;
    while (acked < sent && !failure && nowMs() < deadline) await new Promise((r) => setTimeout(r, 5));
    const cpu = process.cpuUsage(cpuAtGo);
    stopping = true;
    if (failure) throw failure;
    if (acked < sent) throw new Error(`${sent - acked} of ${sent} publishes unacknowledged 60 s after the schedule ended`);
    const out: LoadOutput = {
      type: 'done',
      sent,
      acked,
      ackedInWindow,
      windowMs: input.durationMs - input.warmupMs,
      pubackMs,
      throttledMs: Math.round(throttledMs),
      maxInFlightSeen,
      drainMs: Math.max(0, lastAckAt - scheduleEnd),
      leakPublishedAtMs,
      connectMs,
      cpuUs: cpu.user + cpu.system,
      cpuSystemUs: cpu.system,
      client: kind,
    };
    return out;
  }

  // The IPC channel keeps the child alive: leave once the report is out.
  run().then(
    (out) => process.send!(out, () => process.exit(0)),
    (err: unknown) => process.send!({ type: 'done', error: String((err as Error)?.stack ?? err) }, () => process.exit(1)),
  );
}
