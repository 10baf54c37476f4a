import { describe, expect, it } from 'vitest';
import { DEVICE_SECRET_BITS, GENERATED_SECRET_SCRYPT_N, isDeviceSecret, issueSecrets, newDeviceSecret, signedCredential } from '../../../gateway/src/registry/provision/device-secret.js';
import { makeAuthenticator, verifyPassword } from '../../../broker/src/auth.js';
import { deriveLoginKey, signLogin } from '../../../broker/src/signed-login.js';
import { deviceSchema } from '../../../gateway/src/config/schema.js';

describe('device secrets', () => {
  it('carries at least 128 bits in 7 groups of 4 characters an installer cannot misread', () => {
    expect(DEVICE_SECRET_BITS).toBeGreaterThanOrEqual(128);
    const secret = newDeviceSecret();
    expect(secret).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$/);
    expect(isDeviceSecret(secret)).toBe(true);
    expect(isDeviceSecret(secret.replace(/-/g, ''))).toBe(false);
    expect(isDeviceSecret(secret.slice(0, -1) + 'O')).toBe(false);
  });

  it('never repeats over 10 000 draws', () => {
    const seen = new Set(Array.from({ length: 10_000 }, () => newDeviceSecret()));
    expect(seen.size).toBe(10_000);
  });

  it('issues a different secret to each of 5 000 devices (bytes drawn in pools, never reused)', async () => {
    const issued = await issueSecrets(Array.from({ length: 5000 }, (_, i) => ({ site: 's', device: `d${i}`, auth: 'signed' as const })));
    expect(new Set(issued.map((i) => i.secret)).size).toBe(5000);
    expect(new Set(issued.map((i) => (i.credential.auth === 'signed' ? i.credential.loginKey : ''))).size).toBe(5000);
  });

  it('uses every character of the alphabet evenly from uniform bytes', () => {
    const counts = new Map<string, number>();
    for (let b = 0; b < 256; b++) {
      const s = newDeviceSecret((n) => Buffer.alloc(n, b)).replace(/-/g, '');
      counts.set(s[0]!, (counts.get(s[0]!) ?? 0) + 1);
    }
    expect(counts.size).toBe(32);
    expect(new Set(counts.values())).toEqual(new Set([8]));
  });

  it('a signed credential is the login key the device derives, and the broker accepts its signature', async () => {
    const secret = newDeviceSecret();
    const credential = signedCredential(secret, 'kitchen-01', 'gas-01');
    expect(credential).toEqual({ auth: 'signed', loginKey: deriveLoginKey(secret, 'kitchen-01/gas-01').toString('hex') });
    expect(deviceSchema.safeParse({ id: 'gas-01', kind: 'detector', channels: { ch4: { quantity: 'methane_lel' } }, ...credential }).success).toBe(true);
    const auth = makeAuthenticator({ sites: [{ id: 'kitchen-01', devices: [{ id: 'gas-01', ...credential }] }] });
    const password = signLogin({ loginKey: deriveLoginKey(secret, 'kitchen-01/gas-01'), username: 'kitchen-01/gas-01', clientId: 'c1', atMs: Date.now() });
    expect((await auth.authenticate('kitchen-01/gas-01', Buffer.from(password), '127.0.0.1', 'c1')).ok).toBe(true);
    expect((await auth.authenticate('kitchen-01/gas-02', Buffer.from(password), '127.0.0.1', 'c1')).ok).toBe(false);
  });

  it('issues static hashes the config takes and the broker verifies, without the secret in them', async () => {
    const issued = await issueSecrets([
      { site: 's1', device: 'd1', auth: 'static' },
      { site: 's1', device: 'd2', auth: 'signed' },
      { site: 's2', device: 'd1', auth: 'static' },
    ]);
    expect(issued.map((i) => [i.site, i.device, i.credential.auth])).toEqual([['s1', 'd1', 'static'], ['s1', 'd2', 'signed'], ['s2', 'd1', 'static']]);
    for (const i of issued) {
      expect(JSON.stringify(i.credential)).not.toContain(i.secret);
      expect(deviceSchema.safeParse({ id: i.device, kind: 'valve', ...i.credential }).success).toBe(true);
      if (i.credential.auth === 'static') {
        expect(i.credential.passwordHash.startsWith(`scrypt$${GENERATED_SECRET_SCRYPT_N}$`)).toBe(true);
        expect(await verifyPassword(i.secret, i.credential.passwordHash)).toBe(true);
        expect(await verifyPassword(newDeviceSecret(), i.credential.passwordHash)).toBe(false);
      }
    }
  });

  it('hashes 1 000 static secrets within 5 s (the config default cost took ~20 s)', async () => {
    const t0 = performance.now();
    await issueSecrets(Array.from({ length: 1000 }, (_, i) => ({ site: 's', device: `d${i}`, auth: 'static' as const })));
    // 1 000 at the config default cost (2^14) took ~20 s here; the bound leaves room for a slow CI.
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
