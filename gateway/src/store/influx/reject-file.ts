// Points InfluxDB refused (a 4xx other than auth or missing database): one JSON line each under
// the data directory, with the reason, so nothing refused is silently gone and a person can
// repair and replay it.

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface RejectedPoint {
  readonly line: string;
  readonly reason: string;
  readonly status: number | null;
  /** Journal row id the point came from (null for alarm events). */
  readonly journalId: number | null;
}

export function rejectFilePath(dataDir: string): string {
  return join(dataDir, 'influx-rejected.jsonl');
}

export function appendRejects(file: string, atMs: number, rejects: readonly RejectedPoint[]): void {
  if (rejects.length === 0) return;
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, rejects.map((r) => JSON.stringify({ atMs, ...r })).join('\n') + '\n');
}
