// Running the compiled `shaobing` command as an operator and a process supervisor do: a start that
// cannot start ends at once with one line naming the cause; SIGHUP re-reads the config and never
// ends the gateway; check-config reports every problem of a file in one run and says `valid` only
// for a valid one; hash-password answers --help and refuses more than one line. Needs `npm run build`.

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { demoConfig } from '../../gateway/src/config/demo.js';
import { tempDir } from '../support/tmp.js';

const CLI = join(process.cwd(), 'dist/gateway/src/cli.js');

type Dir = ReturnType<typeof tempDir>;

describe('shaobing operations', () => {
  const dirs: Dir[] = [];
  const children: ChildProcessWithoutNullStreams[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
    dirs.splice(0).forEach((d) => d.remove());
  });
  const dir = (): Dir => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };

  /** Runs `start` and resolves with its exit code and output, or null if it is still running after `ms`. */
  function startAndWait(env: Record<string, string>, cwd: string, ms: number): Promise<{ code: number | null; stdout: string; stderr: string; elapsedMs: number }> {
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, 'start'], { env: { ...process.env, ...env }, cwd });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ code: null, stdout, stderr, elapsedMs: Date.now() - t0 }), ms);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, elapsedMs: Date.now() - t0 });
      });
    });
  }

  async function holdPort(): Promise<number> {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }

  it('exits 1 within seconds with one line naming a taken broker port', async () => {
    const port = await holdPort();
    const d = dir();
    const run = await startAndWait({ SHAOBING_BROKER__PORT: String(port), SHAOBING_API__PORT: '0', SHAOBING_STORAGE__DATA_DIR: join(d.path, 'data') }, d.path, 10_000);
    expect(run.code, `still running after 10 s:\n${run.stdout}\n${run.stderr}`).toBe(1);
    expect(run.elapsedMs).toBeLessThan(8_000);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`port ${port}`);
    expect(lines[0]).toContain('already in use');
    expect(lines[0]).toContain('broker.port');
  });

  it('exits 1 with one line naming a taken API port', async () => {
    const port = await holdPort();
    const d = dir();
    const run = await startAndWait({ SHAOBING_BROKER__PORT: '0', SHAOBING_API__PORT: String(port), SHAOBING_STORAGE__DATA_DIR: join(d.path, 'data') }, d.path, 10_000);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`port ${port} .*already in use \\(api\\.port\\)`))]);
  });

  it('exits 1 with one line naming a data directory it cannot create', async () => {
    const d = dir();
    const file = join(d.path, 'not-a-directory');
    writeFileSync(file, '');
    const run = await startAndWait({ SHAOBING_BROKER__PORT: '0', SHAOBING_API__PORT: '0', SHAOBING_STORAGE__DATA_DIR: join(file, 'data') }, d.path, 10_000);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^shaobing start: data directory .*not-a-directory\/data is not usable \(storage\.dataDir\)/)]);
  });

  it('exits 1 within seconds on a bad config, naming the field', async () => {
    const d = dir();
    const file = join(d.path, 'shaobing.yaml');
    writeFileSync(file, stringify({ ...demoConfig(), broker: { port: 'eighteen' } }));
    const run = await startAndWait({ SHAOBING_CONFIG: file }, d.path, 10_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('broker.port');
  });

  it('re-reads the config on SIGHUP: applies log.level and a site, names what needs a restart, refuses a bad file, never exits', async () => {
    const d = dir();
    const file = join(d.path, 'shaobing.yaml');
    const base = { ...demoConfig(), broker: { port: 0 }, api: { port: 0 }, storage: { dataDir: join(d.path, 'data') }, log: { level: 'info' } };
    writeFileSync(file, stringify(base));
    const child = spawn(process.execPath, [CLI, 'start', '--config', file], { cwd: d.path });
    children.push(child);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const waitFor = async (text: string, from: number): Promise<Record<string, unknown>> => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const line = out.slice(from).split('\n').find((l) => l.includes(text));
        if (line) return JSON.parse(line) as Record<string, unknown>;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the gateway ended (${child.exitCode ?? child.signalCode}) waiting for "${text}":\n${out}`);
        if (Date.now() > deadline) throw new Error(`no "${text}" in 10 s:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitFor('shaobing gateway ready', 0);

    let at = out.length;
    child.kill('SIGHUP');
    await waitFor('no change', at);

    at = out.length;
    writeFileSync(file, stringify({ ...base, log: { level: 'debug' }, sites: [{ ...base.sites[0]!, name: '改名的后厨' }], orders: { ackTimeoutMs: 4000 } }));
    child.kill('SIGHUP');
    // A site goes to the fleet registry live; the interlock's timing waits for a restart.
    expect((await waitFor('applied live', at)).applied).toEqual(['log.level', 'sites[kitchen-01]']);
    expect((await waitFor('only after a restart', at)).needsRestart).toEqual(['orders']);

    at = out.length;
    writeFileSync(file, 'sites: [ {');
    child.kill('SIGHUP');
    const refused = await waitFor('refused', at);
    expect(refused.level).toBe(50);
    expect(String(refused.problems)).toMatch(/YAML syntax error/);

    // Still alive and answering after all three.
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBeNull();
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });

  it('check-config reports every problem of a file in one run, by the real field names, and never says valid', () => {
    const d = dir();
    const file = join(d.path, 'bad.yaml');
    const hash = demoConfig().sites[0]!.devices[0]!.passwordHash!;
    writeFileSync(
      file,
      stringify({
        sites: [
          {
            id: 'r1',
            name: 'Reservoir',
            preset: 'reservoir',
            reservoirLevels: { floodLimitM: 25, warningM: 24, guaranteedM: 28, historicalMaxM: 29 },
            devices: [{ id: 'lvl-1', kind: 'detector', passwordHash: hash, channels: { lvl: { quantity: 'water_level_m' } } }],
          },
          {
            id: 'w1',
            name: 'Well',
            preset: 'valve_well',
            ruleOverrides: [{ id: 'valve-well-metane', levels: { red: 40 } }],
            devices: [{ id: 'g1', kind: 'detectr', passwordHash: hash, channels: { ch4: { quantity: 'methane_lel' } } }],
          },
        ],
      }),
    );
    const result = spawnSync(process.execPath, [CLI, 'check-config', '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stdout).not.toMatch(/valid/);
    const problems = result.stderr.split('\n').filter((l) => l.trim().startsWith('•'));
    expect(problems.map((l) => l.replace(/^.*?\.yaml: /, '').replace(/:.*$/, ''))).toEqual(['sites[1].devices[0].kind', 'sites[0].reservoirLevels.warningM', 'sites[1].ruleOverrides[0].id']);
    for (const line of problems) expect(line).toContain(file);
    expect(result.stderr).toMatch(/did you mean "valve-well-methane"/);
    expect(result.stderr).not.toMatch(/[^e]overrides\[/); // the field is ruleOverrides
  });

  it('check-config refuses a roster shift naming a site that does not exist, as start would', () => {
    const d = dir();
    const file = join(d.path, 'roster.yaml');
    const config = {
      ...demoConfig(),
      notify: {
        channels: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/webhook', secret: 'webhook-secret-0123' } },
        roster: { people: { zhang: { name: '张值班', contacts: [{ channel: 'hook' }] } }, shifts: [{ id: 'all-day', start: '00:00', end: '00:00', sites: ['kitchen-0l'], duty: ['zhang'] }] },
      },
    };
    writeFileSync(file, stringify(config));
    const result = spawnSync(process.execPath, [CLI, 'check-config', '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stdout).not.toMatch(/valid/);
    expect(result.stderr).toContain('notify.roster.shifts[0].sites[0]: no site kitchen-0l in sites (did you mean "kitchen-01"?');
  });

  it('check-config says valid, on stdout, only for a valid file', () => {
    const d = dir();
    const file = join(d.path, 'good.yaml');
    writeFileSync(file, stringify(demoConfig()));
    const result = spawnSync(process.execPath, [CLI, 'check-config', '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`${file}: valid`);
  });

  it('hash-password answers --help, refuses options and more than one stdin line, hashes one line', () => {
    const run = (args: string[], input = '') => spawnSync(process.execPath, [CLI, 'hash-password', ...args], { input, encoding: 'utf8', timeout: 20_000 });
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: shaobing hash-password/);
    expect(help.stdout).not.toMatch(/scrypt\$/);
    const option = run(['--hlep']);
    expect([option.status, option.stdout]).toEqual([2, '']);
    const twoLines = run([], 'first\nsecond\n');
    expect(twoLines.status).toBe(2);
    expect(twoLines.stdout).toBe('');
    expect(twoLines.stderr).toMatch(/more than one line/);
    const one = run([], 'device-password\n');
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/^scrypt\$/);
  });
});
