// Starts a real InfluxDB for a test: Debian's influxd 1.x on free loopback ports with a temp
// config and directories (CI installs it: `apt-get install influxdb`), or, for the 2.x variant,
// testcontainers `influxdb:2.7` where a Docker engine is reachable. Stops and removes what it made.

import { stopProcess } from './process.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

const INFLUXD = '/usr/bin/influxd';

/** Why the 1.x tests cannot run here, or null when they can. */
export function influxdMissing(): string | null {
  try {
    accessSync(INFLUXD, constants.X_OK);
    return null;
  } catch {
    return `no ${INFLUXD}; install it with \`apt-get install influxdb\` (CI does)`;
  }
}

/** Why the 2.x (testcontainers) variant cannot run here, or null when it can. */
export function dockerMissing(): string | null {
  if (process.env.DOCKER_HOST || existsSync('/var/run/docker.sock')) return null;
  return 'no Docker engine (neither DOCKER_HOST nor /var/run/docker.sock): the InfluxDB 2.7 variant runs where testcontainers can start influxdb:2.7';
}

export interface Influxd {
  readonly url: string;
  readonly port: number;
  readonly database: string;
  readonly dir: string;
  output(): string;
  /** SIGTERM and wait for the exit (data stays in the temp dir). */
  stop(): Promise<void>;
  /** Start again on the same ports and directories. */
  start(): Promise<void>;
  /** Runs InfluxQL against `database` (or no database), returns the parsed JSON. */
  query(q: string, db?: string | null): Promise<{ results: { series?: { name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }[]; error?: string }[] }>;
  close(): Promise<void>;
}

export interface InfluxdOptions {
  readonly database?: string;
  /** 1.x `max-values-per-tag` (default 100 000): a small value provokes a 400 partial write. */
  readonly maxValuesPerTag?: number;
}

export async function startInfluxd(options: InfluxdOptions = {}): Promise<Influxd> {
  const missing = influxdMissing();
  if (missing) throw new Error(missing);
  const dir = tempDir('shaobing-influxd-');
  const [httpPort = 0, rpcPort = 0] = await freePorts(2);
  const database = options.database ?? 'shaobing';
  const conf = join(dir.path, 'influxdb.conf');
  writeFileSync(
    conf,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${dir.path}/meta"`,
      '  logging-enabled = false',
      '[data]',
      `  dir = "${dir.path}/data"`,
      `  wal-dir = "${dir.path}/wal"`,
      '  query-log-enabled = false',
      `  max-values-per-tag = ${options.maxValuesPerTag ?? 100_000}`,
      '[monitor]',
      '  store-enabled = false',
      '[http]',
      `  bind-address = "127.0.0.1:${httpPort}"`,
      '  log-enabled = false',
      '[[graphite]]',
      '  enabled = false',
      '[[udp]]',
      '  enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | null = null;
  let output = '';

  async function query(q: string, db: string | null = database): Promise<Awaited<ReturnType<Influxd['query']>>> {
    const params = new URLSearchParams({ q, epoch: 'ms' });
    if (db) params.set('db', db);
    const res = await fetch(`${url}/query`, { method: 'POST', body: params });
    const text = await res.text();
    if (!res.ok) throw new Error(`influxd query ${q}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as Awaited<ReturnType<Influxd['query']>>;
  }

  async function start(): Promise<void> {
    const proc = spawn(INFLUXD, ['-config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    proc.stdout!.on('data', append);
    proc.stderr!.on('data', append);
    child = proc;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`influxd exited before serving; it said:\n${output}`);
      try {
        const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(500) });
        if (res.status === 204) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`influxd did not answer /ping on ${url} within 15 s; it said:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = null;
    await stopProcess(proc);
  }

  try {
    await start();
    const created = await query(`CREATE DATABASE "${database}"`, null);
    if (created.results[0]?.error) throw new Error(created.results[0].error);
  } catch (err) {
    await stop();
    dir.remove();
    throw err;
  }
  return {
    url,
    port: httpPort,
    database,
    dir: dir.path,
    output: () => output,
    stop,
    start,
    query,
    async close() {
      await stop();
      dir.remove();
    },
  };
}

export interface Influxd2 {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
  close(): Promise<void>;
}

/** InfluxDB 2.7 in a container, set up by its DOCKER_INFLUXDB_INIT_* variables. Needs a Docker engine. */
export async function startInfluxd2(): Promise<Influxd2> {
  const missing = dockerMissing();
  if (missing) throw new Error(missing);
  const { GenericContainer, Wait } = await import('testcontainers');
  const token = 'shaobing-test-token';
  const container = await new GenericContainer('influxdb:2.7')
    .withEnvironment({
      DOCKER_INFLUXDB_INIT_MODE: 'setup',
      DOCKER_INFLUXDB_INIT_USERNAME: 'shaobing',
      DOCKER_INFLUXDB_INIT_PASSWORD: 'shaobing-test-password',
      DOCKER_INFLUXDB_INIT_ORG: 'shaobing',
      DOCKER_INFLUXDB_INIT_BUCKET: 'shaobing',
      DOCKER_INFLUXDB_INIT_ADMIN_TOKEN: token,
    })
    .withExposedPorts(8086)
    .withWaitStrategy(Wait.forHttp('/health', 8086).forStatusCode(200))
    .start();
  return {
    url: `http://${container.getHost()}:${container.getMappedPort(8086)}`,
    token,
    org: 'shaobing',
    bucket: 'shaobing',
    async close() {
      await container.stop();
    },
  };
}

/** Distinct free loopback ports (held together while choosing, so the two differ). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const s = createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve(s));
      }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    return typeof a === 'object' && a ? a.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
