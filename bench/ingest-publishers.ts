// The publishing half of the ingest benchmark: mqtt.js devices in one worker_thread (its own V8
// isolate and event loop), so the broker's main thread keeps one core of this 2-core machine.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type * as WorkerThreads from 'node:worker_threads';
import type * as Mqtt from 'mqtt';

// This function runs inside the worker: it is serialised with toString(), so it
// must use nothing but its parameters and globals (no imports, no closures over this module).

export interface PublisherSpec {
  readonly username: string;
  readonly clientId: string;
  readonly topic: string;
  readonly messages: number;
  readonly seed: number;
}

export interface WorkerInput {
  readonly url: string;
  readonly password: string;
  readonly inFlight: number;
  readonly publishers: readonly PublisherSpec[];
}

export type WorkerOutput =
  | { readonly ok: true; readonly acked: number; readonly wallMs: number; readonly latenciesMs: Float64Array }
  | { readonly ok: false; readonly error: string };

function publisherWorker(wt: typeof WorkerThreads, mqtt: typeof Mqtt): void {
  const input = wt.workerData as WorkerInput;
  const port = wt.parentPort!;
  const hr = (): bigint => process.hrtime.bigint();
  const STALL_MS = 30_000;
  let lastProgressMs = Date.now();

  function connect(spec: PublisherSpec): Promise<Mqtt.MqttClient> {
    return new Promise((resolveConnect, rejectConnect) => {
      const client = mqtt.connect(input.url, {
        protocolVersion: 4,
        clientId: spec.clientId,
        username: spec.username,
        password: input.password,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
      });
      client.once('connect', () => resolveConnect(client));
      client.once('error', rejectConnect);
    });
  }

  /** Keeps `inFlight` QoS1 publishes outstanding until every message is acknowledged. */
  function pump(client: Mqtt.MqttClient, spec: PublisherSpec, latencies: Float64Array, offset: number): Promise<bigint> {
    return new Promise((resolveRun, rejectRun) => {
      let rng = spec.seed >>> 0;
      const random = (): number => {
        rng = (rng + 0x6d2b79f5) >>> 0;
        let t = rng;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      let sent = 0;
      let acked = 0;
      let failed = false;
      const fail = (err: Error): void => {
        if (failed) return;
        failed = true;
        rejectRun(err);
      };
      client.on('error', fail);
      client.on('close', () => {
        if (acked < spec.messages) fail(new Error(`${spec.username}: connection closed after ${acked} of ${spec.messages} PUBACKs`));
      });
      const sendOne = (): void => {
        const seq = ++sent;
        // Normal kitchen air: a little methane (%LEL) and CO (ppm), far below every set point.
        const payload = JSON.stringify({
          ts: Date.now(),
          seq,
          readings: { ch4: Math.round((0.5 + random() * 2) * 100) / 100, co: Math.round((2 + random() * 8) * 10) / 10 },
        });
        const start = hr();
        client.publish(spec.topic, payload, { qos: 1 }, (err) => {
          if (err) return fail(err);
          const end = hr();
          latencies[offset + seq - 1] = Number(end - start) / 1e6;
          acked++;
          lastProgressMs = Date.now();
          if (sent < spec.messages) sendOne();
          else if (acked === spec.messages) resolveRun(end);
        });
      };
      const window = Math.min(input.inFlight, spec.messages);
      for (let i = 0; i < window; i++) sendOne();
    });
  }

  async function main(): Promise<WorkerOutput> {
    const clients = await Promise.all(input.publishers.map(connect));
    lastProgressMs = Date.now();
    const total = input.publishers.reduce((n, p) => n + p.messages, 0);
    const latencies = new Float64Array(total);
    const t0 = hr();
    let offset = 0;
    const runs = input.publishers.map((spec, i) => {
      const run = pump(clients[i]!, spec, latencies, offset);
      offset += spec.messages;
      return run;
    });
    // A gateway that stops acknowledging must fail the bench, not hang it.
    let watchdog: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, rejectStall) => {
      watchdog = setInterval(() => {
        if (Date.now() - lastProgressMs > STALL_MS) rejectStall(new Error(`no PUBACK for ${STALL_MS / 1000} s`));
      }, 1000);
    });
    const ends = await Promise.race([Promise.all(runs), stalled]).finally(() => clearInterval(watchdog));
    const last = ends.reduce((a, b) => (b > a ? b : a));
    await Promise.all(clients.map((c) => c.endAsync()));
    return { ok: true, acked: total, wallMs: Number(last - t0) / 1e6, latenciesMs: latencies };
  }

  main().then(
    (out) => port.postMessage(out, out.ok ? [out.latenciesMs.buffer as ArrayBuffer] : []),
    (err: unknown) => port.postMessage({ ok: false, error: String((err as Error)?.stack ?? err) } satisfies WorkerOutput),
  );
}

export function runPublishers(input: WorkerInput): Promise<Extract<WorkerOutput, { ok: true }>> {
  // An eval worker, so the same code runs from dist/ (node) and from the .ts source (vitest).
  const mqttPath = createRequire(import.meta.url).resolve('mqtt');
  const source = `(${publisherWorker.toString()})(require('node:worker_threads'), require(${JSON.stringify(mqttPath)}));`;
  return new Promise((resolveRun, rejectRun) => {
    const worker = new Worker(source, { eval: true, workerData: input });
    let settled = false;
    worker.once('message', (out: WorkerOutput) => {
      settled = true;
      void worker.terminate();
      if (out.ok) resolveRun(out);
      else rejectRun(new Error(`publisher worker failed: ${out.error}`));
    });
    worker.once('error', (err) => {
      settled = true;
      rejectRun(err);
    });
    worker.once('exit', (code) => {
      if (!settled) rejectRun(new Error(`publisher worker exited with code ${code} before reporting`));
    });
  });
}
