// What every benchmark writes: its result JSON under bench/results/ and the machine it ran on, so
// runs can be compared over time.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export type BenchResult = Record<string, number | string>;

export function machineInfo(): { machine: string; cpu_model: string; cpu_count: number; node: string } {
  const cpu = cpus();
  const model = cpu[0]?.model ?? 'unknown cpu';
  return { machine: `${model} x${cpu.length}, node ${process.version}`, cpu_model: model, cpu_count: cpu.length, node: process.version };
}

/** Writes the result to `outFile` (undefined: the default path; null: nowhere). */
export function writeResult(outFile: string | null | undefined, defaultFile: string, result: BenchResult): void {
  const file = outFile === undefined ? defaultFile : outFile;
  if (file === null) return;
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}

/** A garbage-collection hook for heap figures, with how it was obtained. */
export function findGc(): { gc: (() => void) | null; how: string } {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return { gc: exposed, how: '--expose-gc' };
  try {
    // Without the flag, V8 can still be asked for gc at run time; a fresh context picks it up.
    setFlagsFromString('--expose-gc');
    return { gc: runInNewContext('gc') as () => void, how: 'v8.setFlagsFromString' };
  } catch (err) {
    return { gc: null, how: `unavailable (${(err as Error).message}); run node --expose-gc` };
  }
}
