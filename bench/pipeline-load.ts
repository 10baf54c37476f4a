// The publishing half of the pipeline benchmark, run in a child process (pipeline-spawn.ts): one
// mqtt.js 5 connection per simulated detector (MQTT 3.1.1, QoS1), publishing at a set total rate
// (open loop: the schedule does not wait for PUBACKs, as real detectors do not), and leaks
// injected at known times. Times are process.hrtime (CLOCK_MONOTONIC, one clock for every
// process on the machine), so a publish here and a receipt in another process can be subtracted.

import type * as Mqtt from 'mqtt';

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
}

/** Runs in the child: `mqtt` is the package, `input` the LoadInput. */
export function loadChild(mqtt: typeof Mqtt, input: LoadInput): void {
  const send = (m: unknown): void => void process.send!(m as object);
  const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
  const n = input.devices.length;
  const clients: Mqtt.MqttClient[] = new Array(n);
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

  function connect(d: LoadDevice): Promise<Mqtt.MqttClient> {
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
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });
  }

  async function run(): Promise<LoadOutput> {
    const c0 = nowMs();
    const shared = input.shared;
    const logins: LoadDevice[] = shared
      ? Array.from({ length: shared.connections }, (_, k) => ({ username: shared.username, clientId: `bench-shared-${process.pid}-${k}`, topic: '' }))
      : [...input.devices];
    const conns: Mqtt.MqttClient[] = [];
    for (let i = 0; i < logins.length; i += 250) conns.push(...(await Promise.all(logins.slice(i, i + 250).map(connect))));
    for (let i = 0; i < n; i++) clients[i] = conns[i % conns.length]!;
    const connectMs = nowMs() - c0;
    let failure: Error | null = null;
    let stopping = false;
    for (const c of conns) {
      c.on('error', (err) => (failure ??= err));
      c.on('close', () => {
        if (!stopping) failure ??= new Error('a device connection closed during the run');
      });
    }
    send({ type: 'connected', connectMs });
    await new Promise<void>((resolve) => process.once('message', () => resolve()));

    const t0 = nowMs();
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
      clients[i]!.publish(input.devices[i]!.topic, payload, { qos: 1 }, (err) => {
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
    };
    return out;
  }

  // The IPC channel keeps the child alive: leave once the report is out.
  run().then(
    (out) => process.send!(out, () => process.exit(0)),
    (err: unknown) => process.send!({ type: 'done', error: String((err as Error)?.stack ?? err) }, () => process.exit(1)),
  );
}
