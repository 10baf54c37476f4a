// Broker credentials: scrypt password hashes (`scrypt$N$r$p$salt$hash`, the form config/schema.ts
// accepts) and the authenticator behind aedes's `authenticate` hook.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { MAX_SCRYPT_N, scryptAsync, scryptMaxmem } from '../../gateway/src/contract/password-hash.js';
import { AccountIndex, type AccountMoves, type AccountSiteChange, type AuthAccounts, type Identity } from './account-index.js';
import { LoginThrottle } from './login-throttle.js';
import { digestMatches, loginDigest, MemoryLoginDigests, type LoginDigestStore } from './login-digests.js';
import { ScryptQueue } from './scrypt-queue.js';
import { DEFAULT_SIGNED_LOGIN, NonceCache, verifySignedLogin, type SignedLoginLimits } from './signed-login.js';

export type { AccountMoves, AccountSiteChange, AuthAccounts, DeviceAccount, Identity } from './account-index.js';

export type AuthResult =
  | { readonly ok: true; readonly identity: Identity }
  | {
      readonly ok: false;
      readonly reason: 'anonymous' | 'unknown_user' | 'bad_password' | 'rate_limited' | 'stale_login' | 'replayed';
      /** How long the broker holds this refusal before it answers (login-throttle.ts); 0 or absent: at once. */
      readonly holdMs?: number;
    };

export interface Authenticator {
  /** `address` is the client's source address, for the failed-login limit (login-limit.ts);
   * `clientId` is part of what a signed password signs. */
  authenticate(username: string | undefined, password: Buffer | undefined, address?: string, clientId?: string): Promise<AuthResult>;
  /** Counters for tests and metrics: how often a remembered digest spared a scrypt run, signed
   * logins refused as replays, password checks waiting for a scrypt slot. */
  stats(): {
    readonly cacheHits: number;
    readonly scryptQueued: number;
    readonly scryptRuns: number;
    readonly cacheSize: number;
    readonly signedAccepted: number;
    readonly replaysRefused: number;
    readonly staleRefused: number;
    readonly nonces: number;
  };
  /** Saves the remembered logins still pending (the broker is closing). */
  flush(): void;
  /** The identity of an account by its username, without a credential: for a client certificate
   * the device CA already verified (cert-login.ts). */
  identify(username: string): Identity | undefined;
  /**
   * Follows committed fleet changes (account-index.ts); a removed or re-keyed account's
   * remembered logins are forgotten. Returns the moves, whose `revoked` the broker disconnects.
   */
  applySites(changes: readonly AccountSiteChange[]): AccountMoves;
  /** How many accounts (devices and gateway users) can log in now. */
  readonly accountCount: number;
}

export { DEFAULT_SCRYPT, hashPassword } from '../../gateway/src/contract/password-hash.js';
// Bounds on parameters read from a hash: a hostile or mistyped config must not make one login
// allocate gigabytes (scrypt needs 128·N·r bytes).
const MAX_N = MAX_SCRYPT_N;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEM_BYTES = 256 * 1024 * 1024;
const ENCODED = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;
const maxmem = scryptMaxmem;

interface DecodedHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function decodeHash(encoded: string): DecodedHash | null {
  const m = ENCODED.exec(encoded);
  if (!m) return null;
  const N = Number(m[1]);
  const r = Number(m[2]);
  const p = Number(m[3]);
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0) return null;
  if (r < 1 || r > MAX_R || p < 1 || p > MAX_P || 128 * N * r > MAX_MEM_BYTES) return null;
  const salt = Buffer.from(m[4]!, 'base64');
  const key = Buffer.from(m[5]!, 'base64');
  // A short stored key would make a brute-forced match cheap; 16 bytes is the least we accept.
  if (salt.length < 8 || key.length < 16 || key.length > 128) return null;
  return { N, r, p, salt, key };
}

/** True when `plain` matches `encoded`; a malformed hash is false, never an exception. */
export async function verifyPassword(plain: string | Buffer, encoded: string): Promise<boolean> {
  const decoded = decodeHash(encoded);
  if (!decoded) return false;
  const { N, r, p, salt, key } = decoded;
  let candidate: Buffer;
  try {
    candidate = await scryptAsync(plain, salt, key.length, { N, r, p, maxmem: maxmem(N, r, p) });
  } catch {
    // Parameters passed our bounds but scrypt still refused them (e.g. memory): a hash we
    // cannot check is a refusal, not a crash of the broker's connect path.
    return false;
  }
  return timingSafeEqual(candidate, key);
}

export interface AuthenticatorOptions {
  /** Verified logins remembered (login-digests.ts); absent: in memory, lost at a restart. */
  readonly digests?: LoginDigestStore;
  /** Secret key of the digests; must stay the same as long as `digests` keeps them. Absent: random per process. */
  readonly digestKey?: Buffer;
  /** Failed-login backoff per address and username; a fresh default one when absent. */
  readonly throttle?: LoginThrottle;
  /** Password checks running at once (scrypt-queue.ts); the rest of the threadpool stays for I/O. */
  readonly scryptSlots?: number;
  /** Clock skew and nonce bound for signed logins (signed-login.ts). */
  readonly signedLogin?: Partial<SignedLoginLimits>;
  /** The broker's clock for signed logins; tests pass a controllable one. */
  readonly clock?: () => number;
}

type Refusal = Extract<AuthResult, { ok: false }>;

/** A refusal, with the time to hold it only when there is one (login-throttle.ts). */
function refuse(reason: Refusal['reason'], holdMs: number): Refusal {
  return holdMs > 0 ? { ok: false, reason, holdMs } : { ok: false, reason };
}

/** Two checks at once leave two of libuv's four threads to file and DNS work (scrypt-queue.ts). */
export const DEFAULT_SCRYPT_SLOTS = 2;

/**
 * Devices log in as `<site>/<device>` with their own password; `broker.users` entries are
 * gateway accounts. Only successes are remembered, so a wrong password always pays a full scrypt
 * (in its address's turn) and its refusal is held back by the throttle. `accounts` is read at
 * each login, so applySites (or the AccountIndex passed in) changes who gets in without a restart.
 */
export function makeAuthenticator(accounts: AuthAccounts | AccountIndex, options: AuthenticatorOptions = {}): Authenticator {
  const throttle = options.throttle ?? new LoginThrottle();
  const digests: LoginDigestStore = options.digests ?? new MemoryLoginDigests();
  const digestKey = options.digestKey ?? randomBytes(32);
  const queue = new ScryptQueue(options.scryptSlots ?? DEFAULT_SCRYPT_SLOTS);
  const signedLimits: SignedLoginLimits = { ...DEFAULT_SIGNED_LOGIN, ...options.signedLogin };
  const clock = options.clock ?? Date.now;
  const nonces = new NonceCache(signedLimits.maxNonces);
  const index = accounts instanceof AccountIndex ? accounts : AccountIndex.from(accounts);

  const inFlight = new Map<string, Promise<boolean>>();
  let cacheHits = 0;
  let scryptRuns = 0;
  let signedAccepted = 0;
  let replaysRefused = 0;
  let staleRefused = 0;

  /**
   * A signed login costs one HMAC, so it needs no cache and no per-username lock: guessing a
   * 256-bit key is hopeless, and locking the username would let anyone lock the device out.
   * Failures from the address are slowed down like any other.
   */
  function authenticateSigned(username: string, loginKey: Buffer, identity: Identity, password: Buffer, address: string | undefined, clientId: string): AuthResult {
    const verdict = verifySignedLogin({ loginKey, username, clientId, password }, nonces, signedLimits, clock());
    if (verdict.ok) {
      signedAccepted++;
      return { ok: true, identity };
    }
    if (verdict.reason === 'replayed') replaysRefused++;
    if (verdict.reason === 'stale_login') staleRefused++;
    const holdMs = verdict.reason === 'rate_limited' ? 0 : throttle.fail(undefined, address, false);
    return refuse(verdict.reason, holdMs);
  }

  async function authenticate(username: string | undefined, password: Buffer | undefined, address?: string, clientId?: string): Promise<AuthResult> {
    if (username === undefined || username === '') return refuse('anonymous', throttle.fail(undefined, address, false));
    const account = index.lookup(username);
    // No dummy scrypt for unknown users: usernames (`site/device`) are not secret here, and
    // spending CPU on them would only make a flood of bogus logins more expensive for us.
    if (account === undefined) return refuse('unknown_user', throttle.fail(username, address, false));
    if (account.loginKey !== undefined) return authenticateSigned(username, account.loginKey, account.identity, password ?? Buffer.alloc(0), address, clientId ?? '');
    if (password === undefined || password.length === 0) return refuse('bad_password', throttle.fail(username, address, true));

    // A credential that already passed scrypt gets in at once, whatever is going on under its
    // name: failing logins from elsewhere only slow their own refusals down.
    const digest = loginDigest(digestKey, username, account.passwordHash, password);
    if (digestMatches(digests.get(username), digest)) {
      cacheHits++;
      return { ok: true, identity: account.identity };
    }
    // A device that reconnects several times at once shares one scrypt run.
    const flightKey = digest.toString('base64');
    let pending = inFlight.get(flightKey);
    if (!pending) {
      pending = queue
        .run(address, () => {
          scryptRuns++;
          return verifyPassword(password, account.passwordHash);
        })
        .finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, pending);
    }
    if (!(await pending)) return refuse('bad_password', throttle.fail(username, address, true));
    // The account may have been removed or given a new password while scrypt ran: the password
    // just verified is then the old one and must not get in, nor be remembered.
    if (index.lookup(username)?.passwordHash !== account.passwordHash) return refuse('unknown_user', throttle.fail(username, address, false));
    digests.put(username, digest);
    return { ok: true, identity: account.identity };
  }

  return {
    authenticate,
    identify: (username) => index.identify(username),
    applySites(changes) {
      const moves = index.applySites(changes);
      if (moves.revoked.length > 0) digests.forget(moves.revoked);
      return moves;
    },
    get accountCount() {
      return index.size;
    },
    flush: () => digests.flush?.(),
    stats: () => ({ cacheHits, scryptQueued: queue.depth, scryptRuns, cacheSize: digests.size, signedAccepted, replaysRefused, staleRefused, nonces: nonces.size }),
  };
}
