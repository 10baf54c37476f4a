// The compiled `shaobing` command as a person runs it: production start runs JavaScript from
// dist/ (npm test builds it first), the demo tells the whole story, a bad config stops startup.

import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';
import { deriveLoginKey } from '../../broker/src/signed-login.js';

const CLI = join(process.cwd(), 'dist/gateway/src/cli.js');

describe('shaobing command', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('prints a signed-login key from a secret on stdin, and refuses a missing device or secret', () => {
    const run = (args: string[], input: string) => spawnSync(process.execPath, [CLI, 'login-key', ...args], { input, encoding: 'utf8', timeout: 10_000 });
    const ok = run(['kitchen-01/gas-01'], 'device-secret\n');
    expect(ok.status, ok.stderr).toBe(0);
    const key = ok.stdout.trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    // The broker verifies with this derivation (broker/src/signed-login.ts).
    expect(key).toBe(deriveLoginKey('device-secret', 'kitchen-01/gas-01').toString('hex'));
    // The key depends on the username, so one device's key cannot sign for another.
    expect(run(['kitchen-01/gas-02'], 'device-secret\n').stdout.trim()).not.toBe(key);
    expect(key).not.toContain(Buffer.from('device-secret').toString('hex'));
    const noDevice = run([], 'device-secret\n');
    expect(noDevice.status).toBe(2);
    expect(noDevice.stderr).toContain('SITE/DEVICE');
    expect(run(['kitchen-01/gas-01'], '').stderr).toContain('empty secret');
  });

  it('tells the leak story in order with demo --fast and exits 0', () => {
    const dir = tempDir();
    dirs.push(dir);
    const result = spawnSync(process.execPath, [CLI, 'demo', '--fast', '--data-dir', dir.path], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    const story = ['ALARM raised', 'RED', 'STOP-WORK ORDER', 'valve-01 is now CLOSED', 'valve-01 confirmed: closed', 'alarm cleared', 'closed with rectification note', 'order lifted', 'stays CLOSED'];
    let at = 0;
    for (const step of story) {
      const found = result.stdout.indexOf(step, at);
      expect(found, `"${step}" after position ${at} in:\n${result.stdout}`).toBeGreaterThan(-1);
      at = found;
    }
  });

  it('starts on compiled JavaScript, reports ready, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const env = { ...process.env, SHAOBING_BROKER__PORT: '0', SHAOBING_API__PORT: '0', SHAOBING_STORAGE__DATA_DIR: dir.path };
    const child = spawn(process.execPath, [CLI, 'start'], { env, cwd: dir.path });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready in 10 s:\n${out}`)), 10_000);
      child.stdout.on('data', () => {
        if (out.includes('shaobing gateway ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const ready = JSON.parse(out.split('\n').find((l) => l.includes('shaobing gateway ready'))!) as { source: string; brokerPort: number };
    // No shaobing.yaml in the working directory: the built-in demo site.
    expect(ready.source).toBe('built-in demo');
    expect(ready.brokerPort).toBeGreaterThan(0);
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(out).toContain('gateway stopped');
  });

  it('refuses a bad config file with the path of the field and exits 1', () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(file, 'sites:\n  - id: k1\n    name: K\n    devices:\n      - id: g1\n        kind: detectr\n        passwordHash: x\n');
    const result = spawnSync(process.execPath, [CLI, 'check-config', '--config', file], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('sites[0].devices[0].kind');
    expect(result.stderr).toMatch(/detector/);
    expect(result.stderr).toContain('sites[0].devices[0].passwordHash');
  });
});
