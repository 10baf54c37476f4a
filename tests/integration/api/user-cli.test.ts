// `shaobing user create|list|unlock|disable` and `shaobing token create --scope` against a state
// database on disk, then the account used on the API of a gateway over the same directory.

import { afterEach, describe, expect, it } from 'vitest';
import { userCommand } from '../../../dashboard-api/src/users/user-cli.js';
import { tokenCommand } from '../../../dashboard-api/src/token-cli.js';
import { configTargets } from '../../../dashboard-api/src/users/scope-check.js';
import { DEMO_SITE, startTestGateway, testConfig } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';
import { knownIds } from '../../../gateway/src/registry/known-ids.js';

const config = (dir: string) => testConfig(dir);

async function user(argv: string[], dataDir: string, stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await userCommand(
    argv,
    { dataDir: () => dataDir, targets: () => configTargets(config(dataDir)) },
    { out: (l) => void out.push(l), err: (l) => void err.push(l), readPassword: async () => stdin },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function token(argv: string[], dataDir: string): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = tokenCommand(argv, () => dataDir, { out: (l) => void out.push(l), err: (l) => void err.push(l) }, () => configTargets(config(dataDir)));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('shaobing user', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('creates a user with a password from stdin, lists it, and the user logs in; disable ends its session', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const made = await user(['create', 'li.wei', '--role', 'officer', '--scope', `site:${DEMO_SITE}`, '--display-name', '李伟', '--password-stdin'], dir.path, 'duty-room-2024');
    expect(made, made.err).toMatchObject({ code: 0, out: '' });
    expect(made.err).toBe(`user li.wei (officer, scope site:${DEMO_SITE}) created.`);
    expect((await user(['list'], dir.path)).out).toBe(`li.wei  officer  active    site:${DEMO_SITE}  李伟`);

    const g = await startTestGateway(config(dir.path));
    try {
      const login = await g.api!.inject({ method: 'POST', url: '/api/v1/session', payload: { name: 'li.wei', password: 'duty-room-2024' } });
      expect(login.statusCode, login.body).toBe(200);
      const session = (login.json() as { token: string }).token;
      expect((await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${session}` } })).statusCode).toBe(200);
      expect(await user(['disable', 'li.wei'], dir.path)).toMatchObject({ code: 0, out: 'user li.wei disabled: its sessions ended' });
      const after = await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${session}` } });
      expect(after.statusCode).toBe(401);
    } finally {
      await g.stop();
    }
  });

  it('prints a made-up password once when none comes on stdin, and unlocks a locked user', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const made = await user(['create', 'chen', '--role', 'viewer'], dir.path);
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const g = await startTestGateway(testConfig(dir.path, (c) => void (c.api = { ...c.api, lockout: { maxFailures: 2, lockMinutes: 10 } })));
    try {
      const attempt = (password: string) => g.api!.inject({ method: 'POST', url: '/api/v1/session', payload: { name: 'chen', password } });
      await attempt('wrong one');
      expect((await attempt('wrong two')).statusCode).toBe(423);
      expect((await attempt(made.out)).statusCode).toBe(423);
      expect(await user(['unlock', 'chen'], dir.path)).toMatchObject({ code: 0, out: 'user chen unlocked' });
      expect((await attempt(made.out)).statusCode).toBe(200);
    } finally {
      await g.stop();
    }
  });

  it('refuses a scope naming no site, an owner without a site, a short password and a duplicate name', async () => {
    const dir = tempDir();
    dirs.push(dir);
    expect(await user(['create', 'sun', '--role', 'officer', '--scope', 'region:jiangan'], dir.path)).toMatchObject({ code: 2, err: expect.stringMatching(/^shaobing user: --scope: no region jiangan/) });
    expect(await user(['create', 'sun', '--role', 'owner'], dir.path)).toMatchObject({ code: 2, err: expect.stringMatching(/an owner sees one site: give scope site:ID/) });
    expect(await user(['create', 'sun', '--role', 'owner', '--scope', 'site:x,org:y'], dir.path)).toMatchObject({ code: 2, err: expect.stringMatching(/only several regions may be combined/) });
    expect(await user(['create', 'sun', '--role', 'viewer', '--password-stdin'], dir.path, 'short')).toMatchObject({ code: 2, err: expect.stringMatching(/at least 8/) });
    expect((await user(['create', 'sun', '--role', 'viewer'], dir.path)).code).toBe(0);
    expect(await user(['create', 'SUN', '--role', 'viewer'], dir.path)).toMatchObject({ code: 1, err: 'shaobing user create: user SUN exists already (names do not differ by case)' });
  });
});

describe('shaobing user with the fleet registry', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('takes a region that only the registry in state.db knows (made through the API), while the gateway runs', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const g = await startTestGateway(config(dir.path));
    try {
      g.fleet.putRegion({ id: 'hubei-wuhan-jiangan', name: '江岸区', level: 'county' }, { actor: 'test', atMs: Date.now() });
      const run = (scope: string) =>
        userCommand(['create', `u-${scope.length}`, '--role', 'officer', '--scope', scope], { dataDir: () => dir.path, targets: () => knownIds(config(dir.path)) }, { out: () => {}, err: () => {}, readPassword: async () => '' });
      expect(await run('region:hubei-wuhan-jiangan')).toBe(0);
      expect(await run('region:hubei-wuhan-hanyang')).toBe(2);
    } finally {
      await g.stop();
    }
  });
});

describe('shaobing token --scope', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('gives the token its scope, shown by /me and the list; an owner token needs a site', async () => {
    const dir = tempDir();
    dirs.push(dir);
    expect(token(['create', '--role', 'owner', '--name', 'shop'], dir.path)).toMatchObject({ code: 2, err: expect.stringMatching(/an owner sees one site/) });
    const made = token(['create', '--role', 'owner', '--name', 'shop', '--scope', `site:${DEMO_SITE}`], dir.path);
    expect(made.code, made.err).toBe(0);
    expect(token(['list'], dir.path).out).toMatch(new RegExp(`  owner    active .* shop  \\[site:${DEMO_SITE}\\]$`));
    const g = await startTestGateway(config(dir.path));
    try {
      const me = await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${made.out}` } });
      expect(me.json()).toEqual({ name: 'shop', role: 'owner', scope: { kind: 'site', site: DEMO_SITE }, via: 'token' });
    } finally {
      await g.stop();
    }
  });
});
