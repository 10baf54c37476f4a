// The broker's live account index (broker/src/account-index.ts) and the authenticator over it: which
// site changes add, remove or re-key an account, that a credential the broker cannot check fails
// closed, and that a password changed while its old one was being checked does not get in.

import { describe, expect, it } from 'vitest';
import { AccountIndex, type AccountSite } from '../../../broker/src/account-index.js';
import { hashPassword, makeAuthenticator } from '../../../broker/src/auth.js';
import { MemoryLoginDigests } from '../../../broker/src/login-digests.js';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

async function hashes(): Promise<{ one: string; two: string }> {
  return { one: await hashPassword('password-one', { N: 1024 }), two: await hashPassword('password-two', { N: 1024 }) };
}

describe('AccountIndex.applySites', () => {
  it('adds a new site’s devices, removes a gone site’s, and reports each by username', async () => {
    const { one } = await hashes();
    const index = new AccountIndex();
    const site: AccountSite = { id: 'k1', devices: [{ id: 'gas-01', passwordHash: one }, { id: 'valve-01', auth: 'signed', loginKey: KEY_A }] };
    expect(index.applySites([{ before: undefined, after: site }])).toMatchObject({ added: ['k1/gas-01', 'k1/valve-01'], removed: [], rekeyed: [], revoked: [] });
    expect(index.identify('k1/valve-01')).toEqual({ role: 'device', site: 'k1', device: 'valve-01' });
    expect(index.applySites([{ before: site, after: undefined }])).toMatchObject({ added: [], removed: ['k1/gas-01', 'k1/valve-01'], revoked: ['k1/gas-01', 'k1/valve-01'] });
    expect(index.size).toBe(0);
  });

  it('re-keys on a new password hash, a new login key or a change of mode, and on nothing else', async () => {
    const { one, two } = await hashes();
    const before: AccountSite = { id: 'k1', devices: [{ id: 'gas-01', passwordHash: one }, { id: 'gas-02', passwordHash: one }, { id: 'valve-01', auth: 'signed', loginKey: KEY_A }, { id: 'fan-01', passwordHash: one }] };
    const index = AccountIndex.from({ sites: [before] });
    // Channels, kind and name are not the broker's business: an equal credential is no move.
    const renamed = { id: 'k1', devices: before.devices.map((d) => ({ ...d, channels: { ch4: {} } })) } as AccountSite;
    expect(index.applySites([{ before, after: renamed }])).toMatchObject({ added: [], removed: [], rekeyed: [], revoked: [] });
    const after: AccountSite = { id: 'k1', devices: [{ id: 'gas-01', passwordHash: two }, { id: 'gas-02', passwordHash: one }, { id: 'valve-01', auth: 'signed', loginKey: KEY_B }, { id: 'fan-01', auth: 'signed', loginKey: KEY_A }] };
    expect(index.applySites([{ before: renamed, after }])).toMatchObject({ rekeyed: ['k1/gas-01', 'k1/valve-01', 'k1/fan-01'], revoked: ['k1/gas-01', 'k1/valve-01', 'k1/fan-01'] });
    expect(index.lookup('k1/gas-01')).toMatchObject({ passwordHash: two });
  });

  it('takes a device whose new account cannot be checked out of the index (fails closed) and says why', async () => {
    const { one } = await hashes();
    const before: AccountSite = { id: 'k1', devices: [{ id: 'gas-01', passwordHash: one }] };
    const index = AccountIndex.from({ sites: [before] });
    const moves = index.applySites([{ before, after: { id: 'k1', devices: [{ id: 'gas-01', auth: 'signed' }] } }]);
    expect(moves.refused).toEqual([{ username: 'k1/gas-01', message: expect.stringMatching(/loginKey/) }]);
    expect(moves.revoked).toEqual(['k1/gas-01']);
    expect(index.lookup('k1/gas-01')).toBeUndefined();
  });

  it('never lets a device take or remove a gateway user’s name', async () => {
    const { one, two } = await hashes();
    const index = AccountIndex.from({ sites: [], users: [{ username: 'ops/x', passwordHash: one, role: 'gateway' }] });
    const moves = index.applySites([{ before: undefined, after: { id: 'ops', devices: [{ id: 'x', passwordHash: two }] } }]);
    expect(moves.refused).toEqual([{ username: 'ops/x', message: expect.stringMatching(/broker user/) }]);
    expect(index.applySites([{ before: { id: 'ops', devices: [{ id: 'x', passwordHash: two }] }, after: undefined }]).removed).toEqual([]);
    expect(index.identify('ops/x')).toEqual({ role: 'gateway', username: 'ops/x' });
  });
});

describe('makeAuthenticator over a live index', () => {
  it('forgets the remembered login of a removed device', async () => {
    const { one } = await hashes();
    const site: AccountSite = { id: 'k1', devices: [{ id: 'gas-01', passwordHash: one }] };
    const digests = new MemoryLoginDigests();
    const auth = makeAuthenticator({ sites: [site] }, { digests });
    expect(await auth.authenticate('k1/gas-01', Buffer.from('password-one'))).toMatchObject({ ok: true });
    expect(digests.get('k1/gas-01')).toBeDefined();
    auth.applySites([{ before: site, after: { id: 'k1', devices: [] } }]);
    expect(digests.get('k1/gas-01')).toBeUndefined();
    expect(await auth.authenticate('k1/gas-01', Buffer.from('password-one'))).toMatchObject({ ok: false, reason: 'unknown_user' });
  });

  it('refuses an old password whose check was still running when the password changed, and remembers nothing', async () => {
    const { one, two } = await hashes();
    const before: AccountSite = { id: 'k1', devices: [{ id: 'gas-01', passwordHash: one }] };
    const digests = new MemoryLoginDigests();
    const auth = makeAuthenticator({ sites: [before] }, { digests });
    const pending = auth.authenticate('k1/gas-01', Buffer.from('password-one'));
    // The change lands in the same tick, while scrypt (on libuv's threads) still runs on the old hash.
    auth.applySites([{ before, after: { id: 'k1', devices: [{ id: 'gas-01', passwordHash: two }] } }]);
    expect(await pending).toMatchObject({ ok: false });
    expect(digests.size).toBe(0);
    expect(await auth.authenticate('k1/gas-01', Buffer.from('password-two'))).toMatchObject({ ok: true });
  });
});
