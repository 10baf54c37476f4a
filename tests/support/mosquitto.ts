// Starts a real Mosquitto for a test, configured from the shipped broker/mosquitto/shaobing.conf
// and acl.example (only the listener, files and paths are replaced), and stops it afterwards.
// testcontainers is not a dependency (a Docker engine is not to be assumed on a test machine), so the
// local binary is used; CI installs it with `apt-get install mosquitto`.

import { freePort, stopProcess, waitForPort } from './process.js';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './tmp.js';

const BROKER_DIR = fileURLToPath(new URL('../../broker/mosquitto/', import.meta.url));
export const SHIPPED_CONF = join(BROKER_DIR, 'shaobing.conf');
export const SHIPPED_ACL = join(BROKER_DIR, 'acl.example');

/** Directives the test replaces; every other line of the shipped file is used as it is. */
const SITE_SPECIFIC = new Set(['listener', 'password_file', 'acl_file', 'persistence_location', 'log_dest', 'user']);

function findExecutable(name: string): string | null {
  const dirs = ['/usr/sbin', '/usr/local/sbin', '/opt/homebrew/sbin', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory: try the next one
    }
  }
  return null;
}

const MOSQUITTO = findExecutable('mosquitto');
const MOSQUITTO_PASSWD = findExecutable('mosquitto_passwd');

/** Why the Mosquitto tests cannot run here, or null when they can. */
export function mosquittoMissing(): string | null {
  if (MOSQUITTO && MOSQUITTO_PASSWD) return null;
  const docker = process.env.DOCKER_HOST || existsSync('/var/run/docker.sock') ? ' (a Docker engine is reachable, but testcontainers is not a dependency)' : '';
  return `no ${MOSQUITTO ? 'mosquitto_passwd' : 'mosquitto'} binary in /usr/sbin or PATH${docker}; install it with \`apt-get install mosquitto\` (CI does)`;
}

export interface MosquittoOptions {
  /** username → password for the password file; device usernames are "site/device". */
  readonly users: Readonly<Record<string, string>>;
  /** Defaults to the shipped acl.example. */
  readonly aclFile?: string;
  /** Directive → value lines appended after the shipped ones (a later line wins in Mosquitto). */
  readonly extra?: readonly string[];
}

export interface Mosquitto {
  readonly url: string;
  readonly port: number;
  /** Temp dir holding the config, password file and persistence database. */
  readonly dir: string;
  /** Broker output so far, for failure messages. */
  output(): string;
  /** SIGTERM (Mosquitto saves its persistence database) and wait for the exit. */
  stop(): Promise<void>;
  /** Stop, then start again on the same port, config and persistence directory. */
  restart(): Promise<void>;
  /** Stop and remove the temp dir. */
  close(): Promise<void>;
}

export async function startMosquitto(options: MosquittoOptions): Promise<Mosquitto> {
  const missing = mosquittoMissing();
  if (missing) throw new Error(missing);
  const dir = tempDir('shaobing-mosquitto-');
  const port = await freePort();
  const passwordFile = join(dir.path, 'passwd');
  let first = true;
  for (const [username, password] of Object.entries(options.users)) {
    execFileSync(MOSQUITTO_PASSWD!, first ? ['-b', '-c', passwordFile, username, password] : ['-b', passwordFile, username, password], { stdio: 'pipe' });
    first = false;
  }
  const shipped = readFileSync(SHIPPED_CONF, 'utf8')
    .split('\n')
    .filter((line) => !SITE_SPECIFIC.has(line.trim().split(/\s+/)[0] ?? ''));
  const confFile = join(dir.path, 'mosquitto.conf');
  writeFileSync(
    confFile,
    [
      ...shipped,
      '# test-specific',
      `listener ${port} 127.0.0.1`,
      `password_file ${passwordFile}`,
      `acl_file ${options.aclFile ?? SHIPPED_ACL}`,
      `persistence_location ${dir.path}/`,
      'log_dest stdout',
      // As root Mosquitto would switch to the `mosquitto` user, who cannot read the temp dir.
      `user ${userInfo().username}`,
      ...(options.extra ?? []),
      '',
    ].join('\n'),
  );

  let child: ChildProcess | null = null;
  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };

  async function start(): Promise<void> {
    const proc = spawn(MOSQUITTO!, ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', append);
    proc.stderr!.on('data', append);
    child = proc;
    try {
      await waitForPort(port, 5000, () => proc.exitCode === null && proc.signalCode === null);
    } catch (err) {
      await new Promise((r) => setTimeout(r, 50)); // let the last output arrive
      throw new Error(`${(err as Error).message}; mosquitto said:\n${output}`, { cause: err });
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = null;
    await stopProcess(proc);
  }

  try {
    await start();
  } catch (err) {
    await stop();
    dir.remove();
    throw err;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir: dir.path,
    output: () => output,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      dir.remove();
    },
  };
}

