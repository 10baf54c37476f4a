// CPU time of this process's threads, by what they do, from /proc/self/task/*/stat (Linux): the
// pipeline bench splits the gateway's CPU per reading into the main thread, V8's helper threads
// (garbage collection, compilation), the journal's writer and the SQLite store's worker, so a run
// says what bounds it. Thread names come from Node (`MainThread`, `V8Worker`) and from the
// `name` each Worker is given (journal-thread.ts, sqlite-telemetry-threaded.ts), cut to 15 bytes.

import { readdirSync, readFileSync } from 'node:fs';

export type ThreadGroup = 'main' | 'v8_helpers' | 'journal_worker' | 'store_worker' | 'other';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICK_MS = 10;

function groupOf(comm: string): ThreadGroup {
  if (comm === 'MainThread' || comm === 'node') return 'main';
  if (comm.startsWith('V8Worker') || comm.startsWith('V8 DefaultWorke')) return 'v8_helpers';
  if (comm.startsWith('journal-writer')) return 'journal_worker';
  if (comm.startsWith('sqlite-telemetr')) return 'store_worker';
  return 'other';
}

/** CPU ms per thread id so far, with its group; empty where /proc is not there. */
export function threadCpuMs(): Map<string, { group: ThreadGroup; ms: number }> {
  const out = new Map<string, { group: ThreadGroup; ms: number }>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out; // not Linux
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const comm = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { group: groupOf(comm), ms: (Number(fields[11]) + Number(fields[12])) * TICK_MS });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** µs of CPU per reading by group between two snapshots (a thread that ended in between counts what it had at `before` as spent: nothing). */
export function perReadingByGroup(before: ReturnType<typeof threadCpuMs>, after: ReturnType<typeof threadCpuMs>, readings: number): Record<ThreadGroup, number> | null {
  if (after.size === 0) return null;
  const sum: Record<ThreadGroup, number> = { main: 0, v8_helpers: 0, journal_worker: 0, store_worker: 0, other: 0 };
  for (const [tid, t] of after) sum[t.group] += t.ms - (before.get(tid)?.ms ?? 0);
  const per = (ms: number): number => Math.round(((ms * 1000) / Math.max(1, readings)) * 10) / 10;
  return { main: per(sum.main), v8_helpers: per(sum.v8_helpers), journal_worker: per(sum.journal_worker), store_worker: per(sum.store_worker), other: per(sum.other) };
}
