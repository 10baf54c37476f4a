// Stored password hashes in the one form the config accepts (`scrypt$N$r$p$salt$hash`, base64):
// made here for the command line and the gateway's provisioning, checked by the broker
// (broker/src/auth.ts verifyPassword).

import { randomBytes, scrypt, type ScryptOptions } from 'node:crypto';

/** The cost of a password someone chose (the command line's hash-password): one check takes about
 * 50 ms here, which a login storm pays per device (broker/src/scrypt-queue.ts). */
export const DEFAULT_SCRYPT = { N: 16_384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Largest N a hash may name: a hostile or mistyped config must not make one login allocate gigabytes. */
export const MAX_SCRYPT_N = 1 << 20;

export function scryptAsync(password: Buffer | string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function scryptMaxmem(N: number, r: number, p: number): number {
  // Node's default maxmem (32 MiB) refuses N=2^15,r=8; give scrypt what OpenSSL computes it needs.
  return 128 * r * (N + 2 + p) + 1024 * 1024;
}

/** Hashes a password as `scrypt$N$r$p$<salt base64>$<hash base64>`. */
export async function hashPassword(plain: string, opts: { N?: number } = {}): Promise<string> {
  const N = opts.N ?? DEFAULT_SCRYPT.N;
  const { r, p } = DEFAULT_SCRYPT;
  if (!Number.isInteger(N) || N < 2 || N > MAX_SCRYPT_N || (N & (N - 1)) !== 0) {
    throw new RangeError(`scrypt N must be a power of two between 2 and ${MAX_SCRYPT_N}, got ${N}`);
  }
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(plain, salt, KEY_BYTES, { N, r, p, maxmem: scryptMaxmem(N, r, p) });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}
