import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, makeAuthenticator, type AuthAccounts } from '../../../broker/src/auth.js';
import { LoginLimiter } from '../../../broker/src/login-limit.js';

const N = 1024; // low scrypt cost keeps the suite fast

describe('LoginLimiter', () => {
  it('blocks a username after its failures in the window and lets it try again when the window ends', () => {
    let now = 1_000_000;
    const limiter = new LoginLimiter({ perUsername: 3, perAddress: 100, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.blockedFor('kitchen-01/gas-01', '10.0.0.1')).toBe(0);
      limiter.fail('kitchen-01/gas-01', '10.0.0.1', true);
    }
    expect(limiter.blockedFor('kitchen-01/gas-01', '10.0.0.2')).toBe(60_000);
    // Another username from the same address is not blocked by the username limit.
    expect(limiter.blockedFor('kitchen-01/gas-02', '10.0.0.1')).toBe(0);
    now += 59_999;
    expect(limiter.blockedFor('kitchen-01/gas-01', '10.0.0.1')).toBe(1);
    now += 1;
    expect(limiter.blockedFor('kitchen-01/gas-01', '10.0.0.1')).toBe(0);
  });

  it('blocks an address that sweeps usernames, unknown ones included, but not another address', () => {
    const now = 5_000;
    const limiter = new LoginLimiter({ perUsername: 3, perAddress: 5, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 5; i++) limiter.fail(`site/guess-${i}`, '10.0.0.9', false);
    expect(limiter.blockedFor('kitchen-01/gas-01', '10.0.0.9')).toBe(60_000);
    expect(limiter.blockedFor('kitchen-01/gas-01', '10.0.0.8')).toBe(0);
    // Unknown usernames cost the address only, so made-up names do not fill the username table.
    expect(limiter.blockedFor('site/guess-0', '10.0.0.8')).toBe(0);
  });

  it('stays bounded under a sweep of addresses', () => {
    const limiter = new LoginLimiter({ perUsername: 3, perAddress: 5, windowMs: 60_000 }, () => 0);
    for (let i = 0; i < 30_000; i++) limiter.fail(undefined, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, false);
    expect(limiter.size).toBeLessThanOrEqual(10_000);
  });
});

describe('makeAuthenticator with a login limit', () => {
  let accounts: AuthAccounts;
  beforeAll(async () => {
    accounts = { sites: [{ id: 'kitchen-01', devices: [{ id: 'gas-01', passwordHash: await hashPassword('gas-pw', { N }) }] }] };
  });

  it('refuses a guessed username without running scrypt once the limit is reached, with reason rate_limited', async () => {
    const auth = makeAuthenticator(accounts, { limiter: new LoginLimiter({ perUsername: 3, perAddress: 100, windowMs: 60_000 }, () => 0) });
    for (let i = 0; i < 3; i++) expect(await auth.authenticate('kitchen-01/gas-01', Buffer.from(`guess-${i}`), '10.0.0.1')).toEqual({ ok: false, reason: 'bad_password' });
    const runs = auth.stats().scryptRuns;
    expect(await auth.authenticate('kitchen-01/gas-01', Buffer.from('guess-3'), '10.0.0.1')).toEqual({ ok: false, reason: 'rate_limited' });
    // Even the right password waits when it was never verified: the limiter cannot tell it from a guess without scrypt.
    expect(await auth.authenticate('kitchen-01/gas-01', Buffer.from('gas-pw'), '10.0.0.2')).toEqual({ ok: false, reason: 'rate_limited' });
    expect(auth.stats().scryptRuns).toBe(runs);
  });

  it('still lets in a credential verified before the attack, so failed logins cannot lock out the real detector', async () => {
    const auth = makeAuthenticator(accounts, { limiter: new LoginLimiter({ perUsername: 3, perAddress: 100, windowMs: 60_000 }, () => 0) });
    expect(await auth.authenticate('kitchen-01/gas-01', Buffer.from('gas-pw'), '10.0.0.1')).toMatchObject({ ok: true });
    for (let i = 0; i < 5; i++) await auth.authenticate('kitchen-01/gas-01', Buffer.from(`guess-${i}`), '10.6.6.6');
    expect(await auth.authenticate('kitchen-01/gas-01', Buffer.from('guess-9'), '10.6.6.6')).toEqual({ ok: false, reason: 'rate_limited' });
    expect(await auth.authenticate('kitchen-01/gas-01', Buffer.from('gas-pw'), '10.0.0.1')).toMatchObject({ ok: true, identity: { role: 'device', device: 'gas-01' } });
  });
});
