// The hostile devices' mqtt.js clients in a worker thread, so their CPU is not taken from the
// gateway's event loop (the ingest bench does the same). Each device publishes its planned
// payloads with QoS1 and at most `window` awaiting their PUBACK. The worker is plain JavaScript
// (eval: true) because a worker thread does not go through vitest's TypeScript transform.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface PublisherDevice {
  readonly username: string;
  readonly password: string;
  readonly clientId: string;
  readonly topic: string;
  readonly payloads: readonly Buffer[];
}

export interface PublisherResult {
  readonly acked: number;
  readonly failed: number;
  readonly durationMs: number;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, window, devices, mqttPath } = workerData;
const mqtt = require(mqttPath);
function connect(d) {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10000, keepalive: 0, username: d.username, password: d.password, clientId: d.clientId });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}
function run(c, d) {
  const data = Buffer.from(d.data);
  const ends = d.ends;
  return new Promise((resolve) => {
    let next = 0, inFlight = 0, acked = 0, failed = 0;
    const total = ends.length;
    const pump = () => {
      while (inFlight < window && next < total) {
        const start = next === 0 ? 0 : ends[next - 1];
        const payload = data.subarray(start, ends[next]);
        next++;
        inFlight++;
        c.publish(d.topic, payload, { qos: 1 }, (err) => {
          inFlight--;
          if (err) failed++; else acked++;
          if (next >= total && inFlight === 0) resolve({ acked, failed });
          else pump();
        });
      }
    };
    if (total === 0) resolve({ acked: 0, failed: 0 }); else pump();
  });
}
(async () => {
  const clients = await Promise.all(devices.map(connect));
  parentPort.postMessage({ kind: 'connected' });
  const t0 = Date.now();
  const results = await Promise.all(clients.map((c, i) => run(c, devices[i])));
  const durationMs = Date.now() - t0;
  await Promise.all(clients.map((c) => c.endAsync()));
  parentPort.postMessage({ kind: 'done', acked: results.reduce((s, r) => s + r.acked, 0), failed: results.reduce((s, r) => s + r.failed, 0), durationMs });
})().catch((err) => parentPort.postMessage({ kind: 'error', message: String(err && err.stack || err) }));
`;

/** Runs the devices in one worker thread; resolves when every payload was acknowledged or failed. */
export function publishFromWorker(url: string, devices: readonly PublisherDevice[], window: number): Promise<PublisherResult> {
  // One contiguous buffer per device with end offsets: transferred, not copied message by message.
  const packed = devices.map((d) => {
    const data = Buffer.concat(d.payloads as Buffer[]);
    const ends = new Uint32Array(d.payloads.length);
    let at = 0;
    d.payloads.forEach((p, i) => (ends[i] = at += p.length));
    const ab = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    return { username: d.username, password: d.password, clientId: d.clientId, topic: d.topic, data: ab, ends };
  });
  const transfer = packed.flatMap((p) => [p.data, p.ends.buffer as ArrayBuffer]);
  // An eval worker resolves modules from no file of ours: hand it mqtt's path.
  const mqttPath = createRequire(import.meta.url).resolve('mqtt');
  const worker = new Worker(WORKER, { eval: true, workerData: { url, window, devices: packed, mqttPath }, transferList: transfer });
  return new Promise((resolve, reject) => {
    worker.on('message', (m: { kind: string; acked?: number; failed?: number; durationMs?: number; message?: string }) => {
      if (m.kind === 'done') {
        resolve({ acked: m.acked!, failed: m.failed!, durationMs: m.durationMs! });
        void worker.terminate();
      } else if (m.kind === 'error') {
        reject(new Error(`publisher worker: ${m.message}`));
        void worker.terminate();
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (code !== 0 ? reject(new Error(`publisher worker exited with ${code}`)) : undefined));
  });
}
