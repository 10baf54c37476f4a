// Failed logins slow their source down and never lock out an account: the right password gets in
// at once while its username is hammered from elsewhere, and a carrier-NAT address full of
// failing neighbours still lets a fresh device in.

import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, makeAuthenticator, type AuthAccounts } from '../../../broker/src/auth.js';
import { LoginThrottle } from '../../../broker/src/login-throttle.js';
import { ScryptQueue } from '../../../broker/src/scrypt-queue.js';

const N = 1024; // low scrypt cost keeps the suite fast
const LIMITS = { freePerAddress: 5, freePerUsername: 3, windowMs: 60_000, baseDelayMs: 250, maxDelayMs: 8_000 };

describe('LoginThrottle', () => {
  it('answers the free failures at once, then doubles the hold of each further one up to the cap', () => {
    const throttle = new LoginThrottle(LIMITS, () => 0);
    const holds = Array.from({ length: 10 }, () => throttle.fail('kitchen-01/gas-01', '10.6.6.6', true));
    expect(holds).toEqual([0, 0, 0, 250, 500, 1000, 2000, 4000, 8000, 8000]);
  });

  it('counts a username across addresses, so guessing from many addresses is slowed too', () => {
    const throttle = new LoginThrottle(LIMITS, () => 0);
    const holds = [1, 2, 3, 4].map((i) => throttle.fail('kitchen-01/gas-01', `10.0.0.${i}`, true));
    expect(holds).toEqual([0, 0, 0, 250]);
  });

  it('counts unknown usernames against the address only, and forgets a window once it has ended', () => {
    let now = 0;
    const throttle = new LoginThrottle(LIMITS, () => now);
    const holds = Array.from({ length: 7 }, (_, i) => throttle.fail(`site/guess-${i}`, '10.0.0.9', false));
    expect(holds).toEqual([0, 0, 0, 0, 0, 250, 500]);
    expect(throttle.fail('site/other', '10.0.0.8', false)).toBe(0);
    now = 60_000;
    expect(throttle.fail('site/guess-9', '10.0.0.9', false)).toBe(0);
  });

  it('stays bounded under a sweep of addresses', () => {
    const throttle = new LoginThrottle(LIMITS, () => 0);
    for (let i = 0; i < 30_000; i++) throttle.fail(undefined, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, false);
    expect(throttle.size).toBeLessThanOrEqual(10_000);
  });

  it('refuses limits that make no sense', () => {
    expect(() => new LoginThrottle({ ...LIMITS, windowMs: 0 })).toThrow(RangeError);
    expect(() => new LoginThrottle({ ...LIMITS, maxDelayMs: 10 })).toThrow(RangeError);
  });
});

describe('ScryptQueue', () => {
  it('runs at most its slots at once and serves addresses in turn', async () => {
    const queue = new ScryptQueue(1);
    const order: string[] = [];
    const job = (name: string) => async () => {
      order.push(name);
      await new Promise((r) => setTimeout(r, 1));
    };
    // One address floods first; a second address's single check still runs second, not last.
    const all = [1, 2, 3, 4].map((i) => queue.run('10.6.6.6', job(`attacker-${i}`)));
    all.push(queue.run('10.0.0.1', job('device')));
    expect(queue.depth).toBe(4);
    await Promise.all(all);
    expect(order).toEqual(['attacker-1', 'attacker-2', 'device', 'attacker-3', 'attacker-4']);
    expect(queue.depth).toBe(0);
  });
});

describe('makeAuthenticator under attack', () => {
  let accounts: AuthAccounts;
  beforeAll(async () => {
    accounts = { sites: [{ id: 'kitchen-01', devices: [{ id: 'gas-01', passwordHash: await hashPassword('gas-pw', { N }) }, { id: 'valve-01', passwordHash: await hashPassword('valve-pw', { N }) }] }] };
  });

  it('lets the right password in at once, never verified before, while its username is hammered from another address', async () => {
    const auth = makeAuthenticator(accounts, { throttle: new LoginThrottle(LIMITS, () => 0) });
    const refusals = [];
    for (let i = 0; i < 12; i++) refusals.push(await auth.authenticate('kitchen-01/gas-01', Buffer.from(`guess-${i}`), '10.6.6.6'));
    expect(refusals.every((r) => !r.ok && r.reason === 'bad_password')).toBe(true);
    expect(refusals.map((r) => (r.ok ? -1 : (r.holdMs ?? 0))).slice(0, 5)).toEqual([0, 0, 0, 250, 500]);
    expect(await auth.authenticate('kitchen-01/gas-01', Buffer.from('gas-pw'), '10.0.0.1')).toEqual({ ok: true, identity: { role: 'device', site: 'kitchen-01', device: 'gas-01' } });
  });

  it('does not let 200 unknown usernames from a NAT address refuse a fresh valid login from it', async () => {
    const auth = makeAuthenticator(accounts, { throttle: new LoginThrottle({ ...LIMITS, freePerAddress: 100 }, () => 0) });
    for (let i = 0; i < 200; i++) await auth.authenticate(`kitchen-01/nobody-${i}`, Buffer.from('x'), '100.64.0.1');
    const last = await auth.authenticate('kitchen-01/nobody-x', Buffer.from('x'), '100.64.0.1');
    expect(last).toMatchObject({ ok: false, reason: 'unknown_user', holdMs: 8_000 });
    expect(await auth.authenticate('kitchen-01/valve-01', Buffer.from('valve-pw'), '100.64.0.1')).toMatchObject({ ok: true });
  });
});
