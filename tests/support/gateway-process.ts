// The real gateway as a child process (`node dist/gateway/src/cli.js start --config FILE`), so a
// test can kill it with SIGKILL as an operating system would. `npm test` builds dist first.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../../gateway/src/config/schema.js';
import { freePort } from './process.js';

// Still offered here: tests written before process.ts held it import it from this module.
export { freePort };

export const CLI = fileURLToPath(new URL('../../dist/gateway/src/cli.js', import.meta.url));

/** Why the child-process scenarios cannot run, or null. */
export function cliMissing(): string | null {
  return existsSync(CLI) ? null : `no ${CLI}: run \`npm run build\` first (npm test does)`;
}

export interface GatewayProcess {
  readonly pid: number;
  /** Log lines (pino JSON) so far, newest last, at most the last 2 000. */
  readonly lines: string[];
  /** Resolves once the gateway logged `shaobing gateway ready`. */
  readonly ready: Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Writes the config as JSON (a YAML subset) next to the data directory and returns its path. */
export function writeConfig(dir: string, input: ConfigInput): string {
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(input, null, 2));
  return file;
}

export function startGatewayProcess(configFile: string): GatewayProcess {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'start', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffer = '';
  let readyResolve!: () => void;
  let readyReject!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  const take = (chunk: Buffer): void => {
    buffer += chunk.toString('utf8');
    let at: number;
    while ((at = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      lines.push(line);
      if (lines.length > 2000) lines.shift();
      if (line.includes('shaobing gateway ready')) readyResolve();
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      readyReject(new Error(`gateway exited (code ${code}, signal ${signal}) before it was ready:\n${lines.slice(-20).join('\n')}`));
      resolve();
    }),
  );
  const timer = setTimeout(() => readyReject(new Error(`gateway not ready after 20 s:\n${lines.slice(-20).join('\n')}`)), 20_000);
  void ready.finally(() => clearTimeout(timer)).catch(() => {});
  return {
    pid: child.pid!,
    lines,
    ready,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
