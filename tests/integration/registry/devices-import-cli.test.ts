// `shaobing devices import` against a real API on a loopback port: the three bad lines printed as
// `line N, column C: …` and nothing applied; a good file's secrets written 0600 and never over an
// older file; the built command line wired to it.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devicesCommand } from '../../../dashboard-api/src/devices-cli.js';
import { deriveLoginKey } from '../../../broker/src/signed-login.js';
import { FLEET_TOKENS, startFleetApi, type FleetApi } from '../../support/fleet-api.js';
import { tempDir } from '../../support/tmp.js';

let api: FleetApi;
let work: ReturnType<typeof tempDir>;
beforeEach(async () => {
  api = await startFleetApi();
  api.fleet.putSite({ id: 'k-1', name: 'one', devices: [] }, { actor: 'seed', atMs: Date.now() });
  work = tempDir();
});
afterEach(async () => {
  await api.close();
  work.remove();
});

async function run(args: string[], env: NodeJS.ProcessEnv = { SHAOBING_TOKEN: FLEET_TOKENS.admin }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await devicesCommand(args, () => api.url, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
  return { code, out, err };
}

const BAD = [
  'site,device,kind,channels',
  'k-1,gas-01,detector,ch4:methane_lel',
  'k-1,gas-02,detector,',
  'k-1,valve-01,valve,',
  'k-1,fan-01,fann,',
  'k-1,gas-01,detector,ch4:methane_lel',
].join('\n');

describe('shaobing devices import', () => {
  it('prints the three bad lines with their columns and applies nothing', async () => {
    const file = join(work.path, 'bad.csv');
    writeFileSync(file, BAD);
    const out = join(work.path, 'secrets.csv');
    const r = await run(['import', file, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err.slice(0, 3)).toEqual([
      expect.stringMatching(/^line 3, column channels: a detector needs at least one channel/),
      expect.stringMatching(/^line 5, column kind: /),
      'line 6, column device: device k-1/gas-01 is already on line 2',
    ]);
    expect(r.err[3]).toMatch(/3 refused; nothing was applied/);
    expect(api.fleet.site('k-1')!.devices).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });

  it("writes the new devices' secrets to a 0600 file and refuses to overwrite one", async () => {
    const file = join(work.path, 'good.csv');
    writeFileSync(file, 'site,device,kind,channels\nk-1,gas-01,detector,ch4:methane_lel\nk-1,valve-01,valve,\n');
    const out = join(work.path, 'secrets.csv');
    const r = await run(['import', file, '--out', out]);
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out[0]).toMatch(/2 devices applied; the secrets of 2 new devices are in .*secrets\.csv \(mode 0600\)/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const lines = readFileSync(out, 'utf8').replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('site,device,username,secret');
    const secret = lines[1]!.split(',')[3]!;
    expect(api.fleet.device('k-1', 'gas-01')!.loginKey).toBe(deriveLoginKey(secret, 'k-1/gas-01').toString('hex'));

    const again = await run(['import', file, '--out', out, '--replace']);
    expect(again.code).toBe(2);
    expect(again.err[0]).toMatch(/already exists and may hold secrets/);
  });

  it('says what is missing: a token, a reachable gateway', async () => {
    const file = join(work.path, 'good.csv');
    writeFileSync(file, 'site,device,kind\nk-1,fan-01,fan\n');
    expect((await run(['import', file], {})).err[0]).toMatch(/needs an admin API token/);
    const down = await devicesCommand(['import', file, '--api', 'http://127.0.0.1:9', '--out', join(work.path, 'x.csv')], () => api.url, { out: () => {}, err: (l) => expect(l).toMatch(/cannot reach the gateway at http:\/\/127\.0\.0\.1:9 .*is it running/) }, { SHAOBING_TOKEN: FLEET_TOKENS.admin });
    expect(down).toBe(1);
  });

  it('is what the built command line runs (npm run build first)', async () => {
    const cli = join(process.cwd(), 'dist/gateway/src/cli.js');
    if (!existsSync(cli)) throw new Error('dist/ is missing: run npm run build --silent first');
    const file = join(work.path, 'bad.csv');
    writeFileSync(file, BAD);
    const child = spawn(process.execPath, [cli, 'devices', 'import', file, '--api', api.url, '--out', join(work.path, 's.csv')], { env: { ...process.env, SHAOBING_TOKEN: FLEET_TOKENS.admin }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr.split('\n').filter((l) => l.startsWith('line ')).map((l) => l.split(':')[0])).toEqual(['line 3, column channels', 'line 5, column kind', 'line 6, column device']);
  });
});
