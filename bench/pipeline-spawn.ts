// Runs a self-contained function in a child Node process (`node -e`), talking over IPC, so the
// load the pipeline bench generates never shares an event loop (or a V8 heap, or the RSS figure)
// with the gateway it measures. The function is serialised with toString(): it may use only its
// parameters and globals. Plain JavaScript in the child, so the same code runs from dist/ (node)
// and from the .ts source (vitest). The raw MQTT publisher (raw-mqtt-client.ts) travels the same
// way, built in the child from its source text.

import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { rawMqtt } from './raw-mqtt-client.js';

export interface Child<Out> {
  readonly process: ChildProcess;
  /** Resolves with the first message of `type`. */
  next<T = unknown>(type: string): Promise<T>;
  send(message: unknown): void;
  /** Resolves with the child's final `{ type: 'done' }` message. */
  readonly done: Promise<Out>;
  kill(): void;
}

/** `fn(mqtt, input, raw)` runs in the child (`raw`: raw-mqtt-client.ts's RawMqtt); it reports
 * with `process.send({ type, ... })` and then receives any further messages the parent sends. */
export function spawnChild<Out>(name: string, fn: (...args: never[]) => void, input: unknown): Child<Out> {
  const mqttPath = createRequire(import.meta.url).resolve('mqtt');
  // The input comes as the first IPC message: a command line holds only so much (E2BIG).
  // A child whose parent died (IPC gone) leaves too, rather than publishing on forever.
  const source = `process.on('disconnect', () => process.exit(1)); process.once('message', (input) => (${fn.toString()})(require(${JSON.stringify(mqttPath)}), input, (${rawMqtt.toString()})(require('node:net'))));`;
  const proc = spawn(process.execPath, ['--max-old-space-size=4096', '-e', source], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  const waiting = new Map<string, ((m: unknown) => void)[]>();
  const early = new Map<string, unknown[]>();
  let fail: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  proc.on('message', (m: { type: string }) => {
    const list = waiting.get(m.type);
    const resolve = list?.shift();
    if (resolve) resolve(m);
    else early.set(m.type, [...(early.get(m.type) ?? []), m]);
  });
  // 'close', not 'exit': 'exit' can come before the last IPC message is read, and a 10 000/s
  // load's report (its PUBACK latencies, about a megabyte) was then taken for a child that died.
  proc.on('close', (code, signal) => fail(new Error(`${name} exited (code ${code}, signal ${signal}) before reporting${stderr ? `:\n${stderr}` : ''}`)));
  proc.on('error', (err) => fail(err));
  proc.send(input as object);
  const next = <T>(type: string): Promise<T> => {
    const queued = early.get(type);
    if (queued && queued.length > 0) return Promise.resolve(queued.shift() as T);
    return Promise.race([new Promise<T>((resolve) => waiting.set(type, [...(waiting.get(type) ?? []), resolve as (m: unknown) => void])), failed]);
  };
  const done = next<Out>('done').then((m) => {
    const out = m as Out & { error?: string };
    if (out.error) throw new Error(`${name} failed: ${out.error}`);
    return out;
  });
  done.catch(() => {}); // awaited by the caller; never an unhandled rejection meanwhile
  return {
    process: proc,
    next,
    send: (message) => proc.send(message as object),
    done,
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}
