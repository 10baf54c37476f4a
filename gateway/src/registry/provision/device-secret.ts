// One secret per device (一机一密): generated here, handed to the installer once, and kept by the
// gateway only as what the broker checks it with (a login key or a password hash), never in clear.

import { randomBytes } from 'node:crypto';
import { deriveLoginKey } from '../../contract/login-key.js';
import { hashPassword } from '../../contract/password-hash.js';
import { deviceKey, type DeviceId, type SiteId } from '../../contract/ids.js';

/** Crockford's base32: digits and capitals without I, L, O and U, so that an installer reading a
 * label or a phone screen cannot mistake 1 for I or 0 for O. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 28 characters × 5 bits = 140 bits of randomness (at least 128), shown as 7 groups of 4. */
const SECRET_CHARS = 28;
const GROUP = 4;
export const DEVICE_SECRET_BITS = SECRET_CHARS * 5;

const SECRET_FORM = new RegExp(`^[${ALPHABET}]{${GROUP}}(-[${ALPHABET}]{${GROUP}}){${SECRET_CHARS / GROUP - 1}}$`);

/**
 * The cost of the scrypt hash of a generated secret. The usual high cost (contract/password-hash.ts
 * DEFAULT_SCRYPT) slows the guessing of passwords people choose; 2^140 guesses are out of reach at
 * any hashing speed, so here the cost would only slow an import of 10 000 devices (2^14: ~20 ms
 * each here) and every login storm. 2^8 takes ~0.3 ms (measured on this 2-core machine).
 */
export const GENERATED_SECRET_SCRYPT_N = 256;

/** A new secret, e.g. `7KQ2-M9XD-…` (34 characters with the dashes); the dashes are part of it. */
export function newDeviceSecret(random: (bytes: number) => Buffer = randomBytes): string {
  // 256 is a multiple of 32: each byte modulo 32 is uniform, so no character is likelier than another.
  const bytes = random(SECRET_CHARS);
  let out = '';
  for (let i = 0; i < SECRET_CHARS; i++) {
    if (i > 0 && i % GROUP === 0) out += '-';
    out += ALPHABET[bytes[i]! % 32];
  }
  return out;
}

/** True for the printed form of a generated secret (what an installer types can be checked first). */
export function isDeviceSecret(text: string): boolean {
  return SECRET_FORM.test(text);
}

export type DeviceAuth = 'signed' | 'static';

/** What the registry stores for a device instead of its secret: the config's credential fields. */
export type StoredCredential = { readonly auth: 'signed'; readonly loginKey: string } | { readonly auth: 'static'; readonly passwordHash: string };

/** Signed login (the default): the key the device signs its one-time passwords with, bound to its username. */
export function signedCredential(secret: string, site: string, device: string): StoredCredential {
  return { auth: 'signed', loginKey: deriveLoginKey(secret, deviceKey({ site: site as SiteId, device: device as DeviceId })).toString('hex') };
}

/** A static password (devices that can only send a fixed one): its scrypt hash in the config's form. */
export async function staticCredential(secret: string): Promise<StoredCredential> {
  return { auth: 'static', passwordHash: await hashPassword(secret, { N: GENERATED_SECRET_SCRYPT_N }) };
}

/** Bytes from randomBytes, drawn `poolBytes` at a time; each call takes fresh ones, never reused. */
function pooledRandom(poolBytes: number): (bytes: number) => Buffer {
  let pool = Buffer.alloc(0);
  let at = 0;
  return (bytes) => {
    if (at + bytes > pool.length) {
      pool = randomBytes(Math.max(poolBytes, bytes));
      at = 0;
    }
    at += bytes;
    return pool.subarray(at - bytes, at);
  };
}

/** A device's new secret and what is stored for it. */
export interface IssuedSecret {
  readonly site: string;
  readonly device: string;
  readonly secret: string;
  readonly credential: StoredCredential;
}

/**
 * Issues a secret to each device. Signed keys are one HMAC each; static hashes run `slots` at a
 * time so that an import of thousands leaves the rest of libuv's threads to the broker's own
 * login checks and to file I/O.
 */
export async function issueSecrets(
  devices: readonly { readonly site: string; readonly device: string; readonly auth: DeviceAuth }[],
  o: { slots?: number; random?: (bytes: number) => Buffer } = {},
): Promise<IssuedSecret[]> {
  const out: IssuedSecret[] = new Array(devices.length);
  // One draw from the system's generator per thousand secrets: a draw each cost ~7 µs of 20 here.
  const random = o.random ?? pooledRandom(SECRET_CHARS * 1000);
  const statics: number[] = [];
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i]!;
    // ~15 µs each: a turn for the event loop every thousand.
    if (i > 0 && i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    const secret = newDeviceSecret(random);
    if (d.auth === 'signed') out[i] = { site: d.site, device: d.device, secret, credential: signedCredential(secret, d.site, d.device) };
    else {
      out[i] = { site: d.site, device: d.device, secret, credential: { auth: 'static', passwordHash: '' } };
      statics.push(i);
    }
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < statics.length) {
      const i = statics[next++]!;
      out[i] = { ...out[i]!, credential: await staticCredential(out[i]!.secret) };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.slots ?? 2) }, worker));
  return out;
}
