import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, makeAuthenticator, verifyPassword, type AuthAccounts } from '../../../broker/src/auth.js';
import { MemoryLoginDigests } from '../../../broker/src/login-digests.js';

// A low scrypt cost keeps the suite fast; production hashes use N=16384.
const N = 1024;
// The pattern config/schema.ts accepts for `passwordHash`.
const CONFIG_PATTERN = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;

describe('hashPassword / verifyPassword', () => {
  it('produces a hash the config schema accepts and verifies the same password', async () => {
    const encoded = await hashPassword('s3cret', { N });
    expect(encoded).toMatch(CONFIG_PATTERN);
    expect(encoded.startsWith(`scrypt$${N}$8$1$`)).toBe(true);
    expect(await verifyPassword('s3cret', encoded)).toBe(true);
  });

  it('uses a fresh salt each time', async () => {
    expect(await hashPassword('same', { N })).not.toBe(await hashPassword('same', { N }));
  });

  it('rejects a wrong password', async () => {
    const encoded = await hashPassword('s3cret', { N });
    expect(await verifyPassword('s3cret!', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it.each([
    '',
    'plain-password',
    'scrypt$1024$8$1$c2FsdA==',
    'bcrypt$1024$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==',
    'scrypt$1000$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==', // N not a power of two
    'scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==', // N absurdly large
    'scrypt$1024$0$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==', // r = 0
    'scrypt$1024$8$1$c2FsdHNhbHRzYWx0$aGFzaA==', // key too short
  ])('returns false for the malformed hash %j without throwing', async (encoded) => {
    await expect(verifyPassword('anything', encoded)).resolves.toBe(false);
  });
});

describe('makeAuthenticator', () => {
  let accounts: AuthAccounts;

  beforeAll(async () => {
    accounts = {
      sites: [
        { id: 'kitchen-01', devices: [{ id: 'gas-01', passwordHash: await hashPassword('gas-pw', { N }) }, { id: 'valve-01', passwordHash: await hashPassword('valve-pw', { N }) }] },
        { id: 'kitchen-02', devices: [{ id: 'gas-01', passwordHash: await hashPassword('other-pw', { N }) }] },
      ],
      users: [{ username: 'ops', passwordHash: await hashPassword('ops-pw', { N }), role: 'gateway' }],
    };
  });

  it('authenticates a device as <site>/<device> with its own password', async () => {
    const auth = makeAuthenticator(accounts);
    expect(await auth.authenticate('kitchen-01/gas-01', Buffer.from('gas-pw'))).toEqual({
      ok: true,
      identity: { role: 'device', site: 'kitchen-01', device: 'gas-01' },
    });
  });

  it('tells devices with the same id on different sites apart', async () => {
    const auth = makeAuthenticator(accounts);
    expect(await auth.authenticate('kitchen-02/gas-01', Buffer.from('gas-pw'))).toEqual({ ok: false, reason: 'bad_password' });
    expect(await auth.authenticate('kitchen-02/gas-01', Buffer.from('other-pw'))).toMatchObject({ ok: true, identity: { site: 'kitchen-02' } });
  });

  it('authenticates a gateway user from broker.users', async () => {
    const auth = makeAuthenticator(accounts);
    expect(await auth.authenticate('ops', Buffer.from('ops-pw'))).toEqual({ ok: true, identity: { role: 'gateway', username: 'ops' } });
  });

  it('refuses an anonymous client', async () => {
    const auth = makeAuthenticator(accounts);
    expect(await auth.authenticate(undefined, undefined)).toEqual({ ok: false, reason: 'anonymous' });
    expect(await auth.authenticate('', Buffer.from('gas-pw'))).toEqual({ ok: false, reason: 'anonymous' });
  });

  it('refuses an unknown user', async () => {
    const auth = makeAuthenticator(accounts);
    expect(await auth.authenticate('kitchen-01/gas-99', Buffer.from('gas-pw'))).toEqual({ ok: false, reason: 'unknown_user' });
    expect(await auth.authenticate('gas-01', Buffer.from('gas-pw'))).toEqual({ ok: false, reason: 'unknown_user' });
  });

  it('refuses a wrong or missing password', async () => {
    const auth = makeAuthenticator(accounts);
    expect(await auth.authenticate('kitchen-01/gas-01', Buffer.from('valve-pw'))).toEqual({ ok: false, reason: 'bad_password' });
    expect(await auth.authenticate('kitchen-01/gas-01', undefined)).toEqual({ ok: false, reason: 'bad_password' });
  });

  it('serves a repeated login from the cache without another scrypt run', async () => {
    const auth = makeAuthenticator(accounts);
    await auth.authenticate('kitchen-01/gas-01', Buffer.from('gas-pw'));
    expect(auth.stats()).toMatchObject({ scryptRuns: 1, cacheHits: 0, cacheSize: 1 });
    const again = await auth.authenticate('kitchen-01/gas-01', Buffer.from('gas-pw'));
    expect(again.ok).toBe(true);
    expect(auth.stats()).toMatchObject({ scryptRuns: 1, cacheHits: 1 });
  });

  it('never lets a cached login stand in for a different password', async () => {
    const auth = makeAuthenticator(accounts);
    await auth.authenticate('kitchen-01/gas-01', Buffer.from('gas-pw'));
    expect(await auth.authenticate('kitchen-01/gas-01', Buffer.from('gas-pw2'))).toEqual({ ok: false, reason: 'bad_password' });
    expect(auth.stats()).toMatchObject({ scryptRuns: 2, cacheHits: 0, cacheSize: 1 });
  });

  it('shares one scrypt run between simultaneous logins of one device', async () => {
    const auth = makeAuthenticator(accounts);
    const results = await Promise.all([1, 2, 3].map(() => auth.authenticate('kitchen-01/valve-01', Buffer.from('valve-pw'))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(auth.stats().scryptRuns).toBe(1);
  });

  it('keeps the in-memory digests within their bound', async () => {
    const auth = makeAuthenticator(accounts, { digests: new MemoryLoginDigests(1) });
    await auth.authenticate('kitchen-01/gas-01', Buffer.from('gas-pw'));
    await auth.authenticate('kitchen-01/valve-01', Buffer.from('valve-pw'));
    expect(auth.stats().cacheSize).toBe(1);
    // The first login was evicted: logging in again costs a scrypt.
    await auth.authenticate('kitchen-01/gas-01', Buffer.from('gas-pw'));
    expect(auth.stats()).toMatchObject({ scryptRuns: 3, cacheHits: 0 });
  });

  it('refuses a config where a gateway user shares a device name', () => {
    expect(() => makeAuthenticator({ ...accounts, users: [{ username: 'kitchen-01/gas-01', passwordHash: 'x', role: 'gateway' }] })).toThrow(/same name/);
  });
});
