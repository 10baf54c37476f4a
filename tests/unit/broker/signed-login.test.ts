import { describe, expect, it } from 'vitest';
import { hashPassword, makeAuthenticator, type AuthAccounts } from '../../../broker/src/auth.js';
import { LoginThrottle } from '../../../broker/src/login-throttle.js';
import { DEFAULT_SIGNED_LOGIN, deriveLoginKey, NonceCache, signLogin, verifySignedLogin } from '../../../broker/src/signed-login.js';
import { configSchema } from '../../../gateway/src/config/schema.js';
import { demoConfig } from '../../../gateway/src/config/demo.js';

const USER = 'kitchen-01/gas-01';
const SECRET = 'gas-01 device secret';
const KEY = deriveLoginKey(SECRET, USER);
const T0 = Date.UTC(2026, 0, 1);

describe('deriveLoginKey', () => {
  it('binds the key to the username and never equals the secret', () => {
    expect(KEY).toHaveLength(32);
    expect(deriveLoginKey(SECRET, 'kitchen-01/gas-02').equals(KEY)).toBe(false);
    expect(KEY.toString('utf8')).not.toContain(SECRET);
  });
});

describe('verifySignedLogin', () => {
  const limits = DEFAULT_SIGNED_LOGIN;
  const check = (password: string, nonces: NonceCache, nowMs: number, clientId = 'gas-01-c') =>
    verifySignedLogin({ loginKey: KEY, username: USER, clientId, password: Buffer.from(password) }, nonces, limits, nowMs);

  it('accepts a fresh signature once, then refuses the same password as a replay', () => {
    const nonces = new NonceCache(10);
    const pw = signLogin({ loginKey: KEY, username: USER, clientId: 'gas-01-c', atMs: T0, nonce: 'nonce-0001' });
    expect(pw).toMatch(/^v1:\d+:nonce-0001:[0-9a-f]{64}$/);
    expect(check(pw, nonces, T0 + 1000)).toEqual({ ok: true });
    expect(check(pw, nonces, T0 + 2000)).toEqual({ ok: false, reason: 'replayed' });
  });

  it('refuses a time outside ±maxSkew either way, and accepts one just inside', () => {
    const nonces = new NonceCache(10);
    const at = (ms: number, n: string) => signLogin({ loginKey: KEY, username: USER, clientId: 'gas-01-c', atMs: ms, nonce: n });
    expect(check(at(T0 - 300_001, 'old-nonce-1'), nonces, T0)).toEqual({ ok: false, reason: 'stale_login' });
    expect(check(at(T0 + 300_001, 'future-nonce'), nonces, T0)).toEqual({ ok: false, reason: 'stale_login' });
    expect(check(at(T0 - 300_000, 'edge-nonce-1'), nonces, T0)).toEqual({ ok: true });
  });

  it('refuses a wrong key, another client id, a tampered time and garbage as bad_password', () => {
    const nonces = new NonceCache(10);
    const other = deriveLoginKey('another secret', USER);
    expect(check(signLogin({ loginKey: other, username: USER, clientId: 'gas-01-c', atMs: T0 }), nonces, T0)).toEqual({ ok: false, reason: 'bad_password' });
    const pw = signLogin({ loginKey: KEY, username: USER, clientId: 'gas-01-c', atMs: T0, nonce: 'nonce-0002' });
    expect(check(pw, nonces, T0, 'thief-client')).toEqual({ ok: false, reason: 'bad_password' });
    expect(check(pw.replace(`v1:${T0}:`, `v1:${T0 + 1}:`), nonces, T0)).toEqual({ ok: false, reason: 'bad_password' });
    for (const junk of ['', 'v1', 'v1:1:short:00', `v2:${T0}:nonce-0003:${'0'.repeat(64)}`, 'plain-password']) expect(check(junk, nonces, T0)).toEqual({ ok: false, reason: 'bad_password' });
    // None of those took a nonce: only a verified signature is remembered.
    expect(nonces.size).toBe(0);
  });

  it('forgets a nonce once its password is stale anyway, and refuses new logins when full of live ones', () => {
    const nonces = new NonceCache(2);
    const sign = (n: string, ms: number) => signLogin({ loginKey: KEY, username: USER, clientId: 'gas-01-c', atMs: ms, nonce: n });
    expect(check(sign('nonce-aaaa', T0), nonces, T0)).toEqual({ ok: true });
    expect(check(sign('nonce-bbbb', T0), nonces, T0)).toEqual({ ok: true });
    // Full of nonces still in their window: a third is refused rather than one of them forgotten.
    expect(check(sign('nonce-cccc', T0), nonces, T0)).toEqual({ ok: false, reason: 'rate_limited' });
    expect(nonces.size).toBe(2);
    // Past the window the old ones go and room comes back.
    const later = T0 + 300_001;
    expect(check(sign('nonce-dddd', later), nonces, later)).toEqual({ ok: true });
    expect(nonces.size).toBe(1);
  });
});

describe('makeAuthenticator with a signed device', () => {
  let now = T0;
  const clock = () => now;

  async function accounts(): Promise<AuthAccounts> {
    return {
      sites: [
        {
          id: 'kitchen-01',
          devices: [
            { id: 'gas-01', auth: 'signed', loginKey: KEY.toString('hex') },
            { id: 'valve-01', passwordHash: await hashPassword('valve-pw', { N: 1024 }) },
          ],
        },
      ],
    };
  }
  const signed = (clientId: string, nonce?: string) => Buffer.from(signLogin({ loginKey: KEY, username: USER, clientId, atMs: now, ...(nonce ? { nonce } : {}) }));

  it('accepts a signed login, refuses its replay from a second client, and counts it', async () => {
    const auth = makeAuthenticator(await accounts(), { clock });
    const pw = signed('gas-01-c');
    expect(await auth.authenticate(USER, pw, '10.0.0.1', 'gas-01-c')).toEqual({ ok: true, identity: { role: 'device', site: 'kitchen-01', device: 'gas-01' } });
    expect(await auth.authenticate(USER, pw, '10.6.6.6', 'gas-01-c')).toEqual({ ok: false, reason: 'replayed' });
    expect(await auth.authenticate(USER, pw, '10.6.6.6', 'thief')).toEqual({ ok: false, reason: 'bad_password' });
    expect(auth.stats()).toMatchObject({ signedAccepted: 1, replaysRefused: 1, scryptRuns: 0, nonces: 1 });
  });

  it('refuses a stale signed login and a static password for a signed device', async () => {
    const auth = makeAuthenticator(await accounts(), { clock });
    const pw = signed('gas-01-c');
    now = T0 + 301_000;
    expect(await auth.authenticate(USER, pw, '10.0.0.1', 'gas-01-c')).toEqual({ ok: false, reason: 'stale_login' });
    expect(await auth.authenticate(USER, Buffer.from(SECRET), '10.0.0.1', 'gas-01-c')).toEqual({ ok: false, reason: 'bad_password' });
    expect(await auth.authenticate(USER, undefined, '10.0.0.1', 'gas-01-c')).toEqual({ ok: false, reason: 'bad_password' });
    expect(auth.stats()).toMatchObject({ staleRefused: 1, signedAccepted: 0 });
    now = T0;
  });

  it('does not let failed logins under its name lock the signed device out; failures from the guessing address are held back', async () => {
    const throttle = new LoginThrottle({ freePerAddress: 5, freePerUsername: 3, windowMs: 60_000, baseDelayMs: 250, maxDelayMs: 8_000 }, clock);
    const auth = makeAuthenticator(await accounts(), { clock, throttle });
    for (let i = 0; i < 5; i++) await auth.authenticate(USER, Buffer.from(`guess-${i}`), '10.6.6.6', 'x');
    expect(await auth.authenticate(USER, Buffer.from('guess-6'), '10.6.6.6', 'x')).toEqual({ ok: false, reason: 'bad_password', holdMs: 250 });
    expect(await auth.authenticate(USER, signed('gas-01-c'), '10.0.0.1', 'gas-01-c')).toMatchObject({ ok: true });
    expect(await auth.authenticate(USER, signed('gas-01-d'), '10.6.6.6', 'gas-01-d')).toMatchObject({ ok: true });
  });

  it('keeps static devices working beside it', async () => {
    const auth = makeAuthenticator(await accounts(), { clock });
    expect(await auth.authenticate('kitchen-01/valve-01', Buffer.from('valve-pw'), '10.0.0.1', 'v')).toMatchObject({ ok: true, identity: { device: 'valve-01' } });
  });

  it('refuses to start with a signed device that has no loginKey', () => {
    expect(() => makeAuthenticator({ sites: [{ id: 'kitchen-01', devices: [{ id: 'gas-01', auth: 'signed' }] }] })).toThrow(/loginKey/);
  });
});

describe('config', () => {
  it('defaults maxPacketBytes and the signed-login window, and checks each device has its credential', () => {
    const input = demoConfig();
    const parsed = configSchema.parse(input);
    expect(parsed.broker.maxPacketBytes).toBe(1024 * 1024 + 64 * 1024);
    expect(parsed.broker.signedLogin).toEqual({ maxSkewS: 300, maxNonces: 100_000 });
    expect(parsed.sites[0]!.devices[0]!.auth).toBe('static');
    const site = input.sites![0]!;
    const signedNoKey = { ...input, sites: [{ ...site, devices: [{ ...site.devices[0]!, auth: 'signed' as const, passwordHash: undefined }] }] };
    expect(configSchema.safeParse(signedNoKey).error?.issues.map((i) => i.path.join('.'))).toContain('sites.0.devices.0.loginKey');
    const signedWithKey = { ...input, sites: [{ ...site, devices: [{ ...site.devices[0]!, auth: 'signed' as const, passwordHash: undefined, loginKey: KEY.toString('hex') }] }] };
    expect(configSchema.safeParse(signedWithKey).success).toBe(true);
    const staticNoHash = { ...input, sites: [{ ...site, devices: [{ ...site.devices[0]!, passwordHash: undefined }] }] };
    expect(configSchema.safeParse(staticNoHash).error?.issues.map((i) => i.path.join('.'))).toContain('sites.0.devices.0.passwordHash');
  });
});
