// The journal's writer thread (journal-worker.ts) as the main thread sees it: starting one, and
// taking its answers synchronously for the calls that must block (flush, close, writer pragmas).

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { WORKER_LIMITS, workerUrl } from '../worker-url.js';
import type { JournalWorkerData, WorkerReply } from './journal-batch.js';

/** One writer thread and the port its answers come back on. */
export interface WriterThread {
  readonly worker: Worker;
  readonly replies: MessagePort;
  readonly signal: Int32Array;
}

/** Starts a writer on `file`; its answers go to `onReply`. The caller watches `worker` for its exit. */
export function startWriterThread(file: string, synchronous: 'FULL' | 'NORMAL', onReply: (reply: WorkerReply) => void, log: Logger): WriterThread {
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const workerData: JournalWorkerData = { file, synchronous, replies: port2, signal };
  // Named, so a thread listing (bench/thread-cpu.ts, top -H) tells it from the store's worker.
  const worker = new Worker(workerUrl(import.meta.url, 'journal-worker.js'), { workerData, transferList: [port2], resourceLimits: WORKER_LIMITS, name: 'journal-writer' });
  worker.unref(); // a journal nobody closed must not keep the process up
  port1.on('message', onReply);
  port1.unref();
  worker.on('error', (err) => log.error({ err }, 'journal worker failed'));
  return { worker, replies: port1, signal };
}

/**
 * Takes answers off the thread's port, without the event loop, until `ready`; false after
 * `timeoutMs` or once `current()` no longer returns a thread (an answer may end it).
 */
export function waitForReplies(thread: WriterThread, ready: () => boolean, onReply: (reply: WorkerReply) => void, timeoutMs: number, current: () => WriterThread | null): boolean {
  const deadline = Date.now() + timeoutMs;
  let t: WriterThread | null = thread;
  while (!ready()) {
    if (!t) return false;
    const seen = Atomics.load(t.signal, 0);
    const got = receiveMessageOnPort(t.replies);
    if (got) {
      onReply(got.message as WorkerReply);
      t = current();
      continue;
    }
    if (Date.now() >= deadline) return false;
    Atomics.wait(t.signal, 0, seen, 100);
  }
  return true;
}

/** A worker that keeps dying (cannot open the file, say) is restarted at most this often per minute. */
export const MAX_RESTARTS_PER_MIN = 5;

/** Counts restarts over the last minute. */
export class RestartBudget {
  private readonly at: number[] = [];

  /** Records a restart at `nowMs`; false once more than MAX_RESTARTS_PER_MIN fell within a minute. */
  allow(nowMs: number): boolean {
    this.at.push(nowMs);
    while (this.at.length > 0 && nowMs - this.at[0]! > 60_000) this.at.shift();
    return this.at.length <= MAX_RESTARTS_PER_MIN;
  }
}

/**
 * Waits (blocking) until the journal's writer thread has started and opened its file, so the first
 * readings after a start are not acknowledged ~70 ms late while it boots; ms it took.
 */
export function warmWriter(journal: { writerPragma(source: string): unknown }): number {
  const t0 = performance.now();
  journal.writerPragma('user_version');
  return performance.now() - t0;
}
