// The config file as configuration as code over the fleet registry, through the compiled command:
// a site and a region added to the file reach a running gateway's registry on SIGHUP (no restart),
// and `shaobing registry export` beside the running gateway prints YAML that holds them and that
// `check-config` accepts. Needs `npm run build`.

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../gateway/src/config/demo.js';
import { useGatewayFixture } from '../support/fixture.js';
import { eventually } from '../support/gateway.js';

const CLI = join(process.cwd(), 'dist/gateway/src/cli.js');
const HASH = 'scrypt$16384$8$1$DOcde8e+6nkfebyiVzEQdg==$G57hHYSijaqHyCr5B+WMq5+Hf2fdvQiRDlwBLrmV0kw=';

describe('shaobing registry', () => {
  const fx = useGatewayFixture();

  it('takes a site added to the file on SIGHUP and exports the registry as YAML a config accepts', async () => {
    const dir = fx.dataDir();
    const file = join(dir, 'shaobing.yaml');
    const base = { ...demoConfig(), broker: { port: 0 }, api: { port: 0 }, storage: { dataDir: join(dir, 'data') } };
    writeFileSync(file, stringify(base));

    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, 'start', '--config', file], { cwd: dir });
    fx.defer(() => (child.exitCode === null ? child.kill('SIGKILL') : undefined));
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const line = (text: string, from = 0) => out.slice(from).split('\n').find((l) => l.includes(text));
    await eventually(() => line('shaobing gateway ready'), 15_000, `ready:\n${out}`);

    const at = out.length;
    writeFileSync(
      file,
      stringify({
        ...base,
        regions: [{ id: 'hubei', name: '湖北省', level: 'province' }],
        sites: [...base.sites, { id: 'kitchen-02', name: '二号后厨', region: 'hubei', devices: [{ id: 'gas-01', kind: 'detector', passwordHash: HASH, channels: { ch4: { quantity: 'methane_lel' } } }] }],
      }),
    );
    child.kill('SIGHUP');
    const applied = JSON.parse(await eventually(() => line('applied live', at), 10_000, `reload:\n${out}`)) as { applied: string[] };
    expect([...applied.applied].sort()).toEqual(['regions', 'sites[kitchen-02]']);
    expect(line('only after a restart', at)).toBeUndefined();

    // Beside the running gateway (a read-only connection).
    const exported = spawnSync(process.execPath, [CLI, 'registry', 'export', '--config', file], { cwd: dir, encoding: 'utf8' });
    expect(exported.stderr).toBe('');
    expect(exported.status).toBe(0);
    const doc = parse(exported.stdout) as { regions: { id: string }[]; sites: { id: string; region?: string; devices: { id: string }[] }[] };
    expect(doc.regions.map((r) => r.id)).toEqual(['hubei']);
    expect(doc.sites.map((s) => `${s.id}:${s.devices.map((d) => d.id).join(',')}`)).toEqual(['kitchen-01:gas-01,valve-01,fan-01', 'kitchen-02:gas-01']);

    const copy = join(dir, 'exported.yaml');
    writeFileSync(copy, exported.stdout);
    const checked = spawnSync(process.execPath, [CLI, 'check-config', '--config', copy], { cwd: dir, encoding: 'utf8' });
    expect(checked.stderr).toBe('');
    expect(checked.stdout).toContain('site kitchen-02 (二号后厨)');
    expect(child.exitCode).toBeNull();
  });

  it('says what to do when the data directory has no state database yet', () => {
    const dir = fx.dataDir();
    const file = join(dir, 'shaobing.yaml');
    writeFileSync(file, stringify({ ...demoConfig(), storage: { dataDir: join(dir, 'never-started') } }));
    const run = spawnSync(process.execPath, [CLI, 'registry', 'export', '--config', file], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no state database at .*never-started.*start the gateway once/);
  });
});
