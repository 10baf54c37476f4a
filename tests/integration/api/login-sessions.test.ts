// People log in with a name and password over real HTTP: a session token that works like an API
// token, logout, the lockout after repeated wrong passwords and its unlock, idle and absolute
// expiry on the gateway's clock, and no difference between a wrong name and a wrong password.

import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DEMO_SITE } from '../../support/gateway.js';
import { startApiGateway, TOKENS } from './helpers.js';

type Env = Awaited<ReturnType<typeof startApiGateway>>;
const envs: Env[] = [];
afterEach(async () => {
  for (const env of envs.splice(0)) await env.stop();
});

const PASSWORD = 'correct horse battery';

async function start(patch: Parameters<typeof startApiGateway>[0] = () => {}, clock?: () => number) {
  const env = await startApiGateway(patch, clock);
  envs.push(env);
  const base = `http://127.0.0.1:${env.gateway.apiPort}`;
  async function http(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text.startsWith('{') ? JSON.parse(text) : text) as Record<string, any> };
  }
  const admin = (method: string, path: string, body?: unknown) => http(method, path, { token: TOKENS.admin, ...(body !== undefined ? { body } : {}) });
  const login = (name: string, password: string) => http('POST', '/api/v1/session', { body: { name, password } });
  async function passwordChecks(): Promise<number> {
    const text = (await http('GET', '/metrics')).body as unknown as string;
    return Number(/^shaobing_login_password_checks_total (\d+)$/m.exec(text)?.[1]);
  }
  return { env, http, admin, login, passwordChecks };
}

describe('login sessions', () => {
  it('logs in with name and password, serves /me as the user with role and scope, and logs out', async () => {
    const { env, admin, login, http } = await start();
    const made = await admin('POST', '/api/v1/users', { name: 'li.wei', displayName: '李伟', password: PASSWORD, role: 'officer', scope: `site:${DEMO_SITE}` });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    expect(JSON.stringify(made.body)).not.toContain(PASSWORD);
    expect(made.body.user).not.toHaveProperty('passwordHash');

    const ok = await login('li.wei', PASSWORD);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const token = ok.body.token as string;
    expect(token).toMatch(/^ss_/);
    expect(ok.body.user).toEqual({ name: 'li.wei', displayName: '李伟', role: 'officer', scope: { kind: 'site', site: DEMO_SITE } });

    const me = await http('GET', '/api/v1/me', { token });
    expect(me.body).toEqual({ name: 'li.wei', displayName: '李伟', role: 'officer', scope: { kind: 'site', site: DEMO_SITE }, via: 'session' });
    // The stream takes the session token like an API token (?access_token=, EventSource).
    const controller = new AbortController();
    const stream = await fetch(`http://127.0.0.1:${env.gateway.apiPort}/api/v1/stream?access_token=${token}`, { signal: controller.signal });
    expect(stream.status).toBe(200);
    controller.abort();

    const out = await http('DELETE', '/api/v1/session', { token });
    expect([out.status, out.body]).toEqual([200, { ended: true }]);
    const after = await http('GET', '/api/v1/me', { token });
    expect([after.status, after.body.reason]).toEqual([401, 'session_ended']);

    const audit = await admin('GET', '/api/v1/audit?limit=20');
    const actions = (audit.body.entries as { action: string; actor: string }[]).map((e) => `${e.action} ${e.actor}`);
    expect(actions).toEqual(expect.arrayContaining(['user.create admin Wang', 'session.login li.wei', 'session.logout li.wei']));
  });

  it('answers a wrong password and an unknown name alike, each after one password check', async () => {
    const { env, admin, login, passwordChecks } = await start();
    await admin('POST', '/api/v1/users', { name: 'zhang', displayName: '张敏', password: PASSWORD, role: 'viewer' });

    const before = await passwordChecks();
    const wrongPassword = await login('zhang', 'not the password');
    const afterWrongPassword = await passwordChecks();
    const unknownName = await login('nobody-here', 'not the password');
    const afterUnknownName = await passwordChecks();

    expect([wrongPassword.status, wrongPassword.body]).toEqual([401, { statusCode: 401, error: 'Unauthorized', message: 'wrong name or password', reason: 'bad_credentials' }]);
    expect([unknownName.status, unknownName.body]).toEqual([wrongPassword.status, wrongPassword.body]);
    // The same scrypt work for both: the unknown name is checked against a stand-in hash.
    expect(afterWrongPassword - before).toBe(1);
    expect(afterUnknownName - afterWrongPassword).toBe(1);
    // And the same database write: the failure is counted by the name tried, a user's or not.
    const db = new Database(join(env.dir.path, 'state.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT name, failures, locked_until_ms FROM login_failure ORDER BY name').all()).toEqual([
        { name: 'nobody-here', failures: 1, locked_until_ms: null },
        { name: 'zhang', failures: 1, locked_until_ms: null },
      ]);
    } finally {
      db.close();
    }
  });

  it('locks an account after 5 wrong passwords, refuses even the right one while locked, and an admin unlocks it', async () => {
    const { admin, login, passwordChecks } = await start();
    await admin('POST', '/api/v1/users', { name: 'wang', displayName: '王芳', password: PASSWORD, role: 'officer' });

    for (let i = 1; i <= 4; i++) expect((await login('wang', `wrong ${i}`)).status).toBe(401);
    const fifth = await login('wang', 'wrong 5');
    expect(fifth.status, JSON.stringify(fifth.body)).toBe(423);
    expect(fifth.body).toMatchObject({ error: 'Locked', reason: 'locked', retryAfterS: 900 });
    expect(fifth.body.message).toBe('account locked after repeated failed logins: retry in 15 min, or ask an administrator to unlock it');
    expect(fifth.headers.get('retry-after')).toBe('900');

    const checks = await passwordChecks();
    const rightWhileLocked = await login('wang', PASSWORD);
    expect([rightWhileLocked.status, rightWhileLocked.body.reason]).toEqual([423, 'locked']);
    expect(await passwordChecks()).toBe(checks); // refused before any password work

    // An unknown name locks after as many tries, with the same words: a lock says nothing about existence.
    for (let i = 1; i <= 4; i++) expect((await login('ghost', `wrong ${i}`)).status).toBe(401);
    const ghost = await login('ghost', 'wrong 5');
    expect([ghost.status, ghost.body.message]).toEqual([423, fifth.body.message]);

    const listed = await admin('GET', '/api/v1/users?limit=10');
    expect((listed.body.users as { name: string; lockedUntilMs: number | null }[]).find((u) => u.name === 'wang')?.lockedUntilMs).toBeGreaterThan(Date.now());
    const unlocked = await admin('PATCH', '/api/v1/users/wang', { unlock: true });
    expect([unlocked.status, unlocked.body.user.lockedUntilMs, unlocked.body.user.failedAttempts]).toEqual([200, null, 0]);
    expect((await login('wang', PASSWORD)).status).toBe(200);

    const audit = await admin('GET', '/api/v1/audit?limit=20');
    const actions = (audit.body.entries as { action: string; target: string; detail: Record<string, unknown> }[]).map((e) => `${e.action} ${e.target}`);
    expect(actions).toEqual(expect.arrayContaining(['user.locked wang', 'user.change wang', 'session.login wang']));
    expect(actions.some((a) => a.includes('ghost'))).toBe(false);
  });

  it('ends a session unused for the idle time, and any session at its absolute age however used', async () => {
    let offsetMs = 0;
    const clock = () => Date.now() + offsetMs;
    const { admin, login, http } = await start((c) => void (c.api = { ...c.api, sessions: { idleMinutes: 30, absoluteHours: 1 } }), clock);
    await admin('POST', '/api/v1/users', { name: 'chen', displayName: '陈刚', password: PASSWORD, role: 'viewer' });

    const idle = (await login('chen', PASSWORD)).body.token as string;
    offsetMs += 31 * 60_000;
    const expired = await http('GET', '/api/v1/me', { token: idle });
    expect([expired.status, expired.body.message, expired.body.reason]).toEqual([401, 'session expired: log in again', 'session_expired']);
    // Every later call says the same (the page makes several at once), not "logged out".
    expect((await http('GET', '/api/v1/alarms', { token: idle })).body.reason).toBe('session_expired');

    const busy = (await login('chen', PASSWORD)).body.token as string;
    for (let i = 0; i < 2; i++) {
      offsetMs += 25 * 60_000;
      expect((await http('GET', '/api/v1/me', { token: busy })).status).toBe(200);
    }
    offsetMs += 11 * 60_000; // 61 min after login, 11 min after its last use
    const old = await http('GET', '/api/v1/me', { token: busy });
    expect([old.status, old.body.reason]).toEqual([401, 'session_expired']);
  });

  it("changes one's own password after checking the current one, ending the other sessions", async () => {
    const { admin, login, http } = await start();
    await admin('POST', '/api/v1/users', { name: 'liu', displayName: '刘洋', password: PASSWORD, role: 'officer' });
    const here = (await login('liu', PASSWORD)).body.token as string;
    const elsewhere = (await login('liu', PASSWORD)).body.token as string;
    const wrong = await http('POST', '/api/v1/me/password', { token: here, body: { current: 'not it', password: 'a new long password' } });
    expect([wrong.status, wrong.body.message]).toEqual([400, 'current: not the current password']);
    const changed = await http('POST', '/api/v1/me/password', { token: here, body: { current: PASSWORD, password: 'a new long password' } });
    expect([changed.status, changed.body]).toEqual([200, { changed: true, sessionsEnded: 1 }]);
    expect((await http('GET', '/api/v1/me', { token: here })).status).toBe(200);
    expect((await http('GET', '/api/v1/me', { token: elsewhere })).status).toBe(401);
    expect((await login('liu', PASSWORD)).status).toBe(401);
    expect((await login('liu', 'a new long password')).status).toBe(200);
    const byToken = await http('POST', '/api/v1/me/password', { token: TOKENS.officer, body: { current: 'x', password: 'a new long password' } });
    expect(byToken.status).toBe(409);

    // Guessing the current password from a stolen session locks the account and ends the session.
    for (let i = 1; i <= 4; i++) expect((await http('POST', '/api/v1/me/password', { token: here, body: { current: `guess ${i}`, password: 'taken over 123' } })).status).toBe(400);
    const fifth = await http('POST', '/api/v1/me/password', { token: here, body: { current: 'guess 5', password: 'taken over 123' } });
    expect([fifth.status, fifth.body.reason]).toEqual([423, 'locked']);
    expect((await http('GET', '/api/v1/me', { token: here })).status).toBe(401);
  });

  it('keeps accounts and tokens with admins of the whole fleet: an admin of one site cannot make a user of scope all', async () => {
    const { admin, login, http } = await start();
    await admin('POST', '/api/v1/users', { name: 'site.admin', displayName: '店长', password: PASSWORD, role: 'admin', scope: `site:${DEMO_SITE}` });
    const token = (await login('site.admin', PASSWORD)).body.token as string;
    const widen = await http('POST', '/api/v1/users', { token, body: { name: 'mole', displayName: 'x', password: PASSWORD, role: 'admin' } });
    expect([widen.status, widen.body.message]).toEqual([403, `creating a user needs an administrator of the whole fleet (scope all); site.admin has scope site:${DEMO_SITE}`]);
    expect((await http('POST', '/api/v1/tokens', { token, body: { name: 'mole', role: 'admin' } })).status).toBe(403);
    expect((await http('GET', '/api/v1/users', { token })).status).toBe(403);
    expect((await http('PATCH', '/api/v1/users/site.admin', { token, body: { scope: 'all' } })).status).toBe(403);
  });

  it('ends the sessions of a disabled user at once and refuses its login', async () => {
    const { admin, login, http } = await start();
    await admin('POST', '/api/v1/users', { name: 'zhao', displayName: '赵磊', password: PASSWORD, role: 'officer' });
    const token = (await login('zhao', PASSWORD)).body.token as string;
    expect((await admin('PATCH', '/api/v1/users/zhao', { disabled: true })).status).toBe(200);
    expect((await http('GET', '/api/v1/me', { token })).status).toBe(401);
    const again = await login('zhao', PASSWORD);
    expect([again.status, again.body.reason]).toEqual([403, 'account_disabled']);
    // A wrong password for a disabled account reads as any wrong password.
    expect((await login('zhao', 'wrong')).body.reason).toBe('bad_credentials');
  });

  it('refuses a user whose scope names nothing that exists (a registry region added live does), and an owner without one site', async () => {
    const { env, admin } = await start();
    const typo = await admin('POST', '/api/v1/users', { name: 'sun', displayName: '孙', password: PASSWORD, role: 'officer', scope: 'region:jiangan' });
    expect([typo.status, typo.body.message]).toEqual([400, 'scope: no region jiangan']);
    // A region added to the fleet registry while the gateway runs can be named at once.
    env.gateway.fleet.putRegion({ id: 'hubei-wuhan-jiangan', name: '江岸区', level: 'county' }, { actor: 'test', atMs: Date.now() });
    const county = await admin('POST', '/api/v1/users', { name: 'sun.jiangan', displayName: '孙', password: PASSWORD, role: 'officer', scope: 'region:hubei-wuhan-jiangan' });
    expect([county.status, county.body.user?.scope]).toEqual([200, { kind: 'regions', regions: ['hubei-wuhan-jiangan'] }]);
    const owner = await admin('POST', '/api/v1/users', { name: 'sun', displayName: '孙', password: PASSWORD, role: 'owner' });
    expect([owner.status, owner.body.message]).toEqual([400, 'scope: an owner sees one site: give scope site:ID']);
    const short = await admin('POST', '/api/v1/users', { name: 'sun', displayName: '孙', password: 'short', role: 'viewer' });
    expect([short.status, short.body.message]).toEqual([400, 'password: at least 8 characters']);
    const own = await admin('POST', '/api/v1/users', { name: 'sunwukong', displayName: '孙', password: 'SunWukong', role: 'viewer' });
    expect([own.status, own.body.message]).toEqual([400, 'password: must not be the user name']);
  });
});
