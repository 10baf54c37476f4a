// Mosquitto for the pipeline benchmark, run from the shipped broker/mosquitto/shaobing.conf and
// acl.example exactly as tests/support/mosquitto.ts does (only listener, files, paths and user are
// replaced), but with the password file written here: 20 000 runs of mosquitto_passwd would take
// minutes. Every account shares one PBKDF2-SHA512 entry (`$7$`, the format mosquitto_passwd 2.0
// writes), with a low iteration count: login cost is not what the bench measures.

import { freePort, waitForPort } from '../tests/support/process.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../tests/support/tmp.js';

const BROKER_DIR = fileURLToPath(new URL('../broker/mosquitto/', import.meta.url));
/** From dist/bench the shipped files are two levels up. */
function shipped(name: string): string {
  const direct = join(BROKER_DIR, name);
  return existsSync(direct) ? direct : fileURLToPath(new URL(`../../broker/mosquitto/${name}`, import.meta.url));
}
const SITE_SPECIFIC = new Set(['listener', 'password_file', 'acl_file', 'persistence_location', 'log_dest', 'user']);
const MOSQUITTO = '/usr/sbin/mosquitto';

export function mosquittoBinaryMissing(): string | null {
  return existsSync(MOSQUITTO) ? null : `no ${MOSQUITTO}; install it with \`apt-get install mosquitto\``;
}

export interface BenchMosquitto {
  readonly url: string;
  /** The broker process, for its CPU time and RSS (/proc). */
  readonly pid: number;
  output(): string;
  close(): Promise<void>;
}

/** `$7$iterations$salt$hash`: mosquitto 2.0's PBKDF2-HMAC-SHA512 entry. */
function passwdEntry(password: string, iterations = 10): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** `fullAccess` users read and write all of shaobing/# (the gateway, the Node-RED peer). */
export async function startBenchMosquitto(o: { usernames: readonly string[]; fullAccess: readonly string[]; password: string }): Promise<BenchMosquitto> {
  const missing = mosquittoBinaryMissing();
  if (missing) throw new Error(missing);
  const dir = tempDir('shaobing-bench-mosquitto-');
  const port = await freePort();
  const entry = passwdEntry(o.password);
  const passwordFile = join(dir.path, 'passwd');
  writeFileSync(passwordFile, [...o.usernames, ...o.fullAccess].map((u) => `${u}:${entry}\n`).join(''));
  const aclFile = join(dir.path, 'acl');
  writeFileSync(aclFile, `${readFileSync(shipped('acl.example'), 'utf8')}\n${o.fullAccess.map((u) => `user ${u}\ntopic readwrite shaobing/#\n`).join('\n')}`);
  const conf = readFileSync(shipped('shaobing.conf'), 'utf8')
    .split('\n')
    .filter((line) => !SITE_SPECIFIC.has(line.trim().split(/\s+/)[0] ?? ''));
  const confFile = join(dir.path, 'mosquitto.conf');
  writeFileSync(
    confFile,
    [...conf, '# bench-specific', `listener ${port} 127.0.0.1`, `password_file ${passwordFile}`, `acl_file ${aclFile}`, `persistence_location ${dir.path}/`, 'log_dest stdout', `user ${userInfo().username}`, ''].join('\n'),
  );
  let output = '';
  const proc: ChildProcess = spawn(MOSQUITTO, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  const close = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    dir.remove();
  };
  try {
    await waitForPort(port, 5000, () => proc.exitCode === null);
  } catch (err) {
    await close();
    throw new Error(`mosquitto did not start: ${(err as Error).message}\n${output}`, { cause: err });
  }
  return { url: `mqtt://127.0.0.1:${port}`, pid: proc.pid!, output: () => output, close };
}

