// What the certificate-reload e2e tests share: a served certificate file that can be renewed in
// place (as a certbot deploy hook does), and a running `shaobing start` whose log lines are read.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from './gateway-process.js';
import { makeCa, makeServerCert } from './tls.js';

export interface RenewableCert {
  readonly ca: ReturnType<typeof makeCa>;
  readonly certFile: string;
  readonly keyFile: string;
  /** Overwrites certFile/keyFile with a second certificate of the same CA. */
  renew(): void;
}

export function renewableCert(dir: string, name: string): RenewableCert {
  const ca = makeCa(dir);
  const first = makeServerCert(dir, ca, 'first');
  const renewed = makeServerCert(dir, ca, 'renewed');
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  copyFileSync(first.certFile, certFile);
  copyFileSync(first.keyFile, keyFile);
  return {
    ca, certFile, keyFile,
    renew: () => {
      copyFileSync(renewed.certFile, certFile);
      copyFileSync(renewed.keyFile, keyFile);
    },
  };
}

export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything it has printed so far (stdout and stderr). */
  out(): string;
  /** The first line after offset `from` that contains `text`. */
  line(text: string, from?: number): string | undefined;
}

/** `shaobing start --config file`, killed by the pushed cleanup if still running. */
export function startCli(file: string, cwd: string, cleanups: (() => unknown)[]): RunningCli {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, 'start', '--config', file], { cwd });
  cleanups.push(() => (child.exitCode === null ? child.kill('SIGKILL') : undefined));
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return { child, out: () => out, line: (text, from = 0) => out.slice(from).split('\n').find((l) => l.includes(text)) };
}
