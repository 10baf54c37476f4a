// `shaobing hash-password` and `login-key` load only what they use: loading the gateway, the
// demo, the simulators and the dashboard made one hash take most of a second (dist/ built first).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(process.cwd(), 'dist/gateway/src/cli.js');
// A resolve hook that names every module of the project the process loads, on stderr.
const HOOK = `data:text/javascript,${encodeURIComponent(
  "import { registerHooks } from 'node:module'; registerHooks({ resolve(s, c, next) { const r = next(s, c); if (r.url.includes('/dist/')) process.stderr.write('LOADED ' + r.url + '\\n'); return r; } });",
)}`;

function loaded(args: string[], input: string): { status: number | null; stdout: string; modules: string[] } {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run npm run build --silent first');
  const r = spawnSync(process.execPath, ['--import', HOOK, CLI, ...args], { input, encoding: 'utf8', timeout: 20_000 });
  const modules = r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(l.indexOf('/dist/') + 6));
  return { status: r.status, stdout: r.stdout, modules };
}

describe('the command line loads what a command uses', () => {
  it('hash-password hashes without loading the gateway, the demo, the simulators or the dashboard', () => {
    const r = loaded(['hash-password'], 'a device password\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(r.modules).toContain('gateway/src/contract/password-hash.js');
    expect(r.modules.filter((m) => /^(dashboard-api|simulators)\/|^gateway\/src\/(compose|demo|runtime)\.js$/.test(m))).toEqual([]);
  });

  it('login-key likewise', () => {
    const r = loaded(['login-key', 'k-1/gas-01'], 'ABCD-EFGH\n');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(r.modules.filter((m) => /^(dashboard-api|simulators)\/|^gateway\/src\/(compose|demo|runtime)\.js$/.test(m))).toEqual([]);
  });
});
