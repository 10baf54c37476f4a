// The compiled `shaobing user` command as an operator runs it (`npm run build` first): a password
// piped on stdin, the user listed, a second create refused, and the password never on stdout.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testConfigInput } from '../support/gateway.js';
import { writeConfig } from '../support/gateway-process.js';
import { tempDir } from '../support/tmp.js';

const CLI = join(process.cwd(), 'dist/gateway/src/cli.js');

describe('shaobing user (compiled)', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('creates a user from a password on stdin and lists it; the password is never printed', () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = writeConfig(dir.path, testConfigInput(dir.path));
    const run = (args: string[], input = '') => spawnSync(process.execPath, [CLI, 'user', ...args, '--config', file], { input, encoding: 'utf8', timeout: 20_000 });

    const made = run(['create', 'li.wei', '--role', 'officer', '--display-name', '李伟', '--password-stdin'], 'duty-room-2024\n');
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toBe('');
    expect(made.stderr.trim()).toBe('user li.wei (officer, scope all) created.');
    const listed = run(['list']);
    expect(listed.stdout.trim()).toBe('li.wei  officer  active    all  李伟');
    expect(`${listed.stdout}${listed.stderr}`).not.toContain('duty-room-2024');
    const again = run(['create', 'li.wei', '--role', 'viewer', '--password-stdin'], 'another-password\n');
    expect([again.status, again.stderr.trim()]).toEqual([1, 'shaobing user create: user li.wei exists already (names do not differ by case)']);
    const help = spawnSync(process.execPath, [CLI, 'user', '--help'], { encoding: 'utf8' });
    expect(help.stdout).toMatch(/^Usage: shaobing user create NAME --role viewer\|owner\|officer\|admin/);
  });
});
