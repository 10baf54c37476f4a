// Signed MQTT logins (against replayed credentials): a device proves it holds its key with a
// one-time password, as Alibaba Cloud IoT's sign method and AWS IoT custom authorizers do:
//   password = v1:<unix-ms>:<nonce>:<hex HMAC-SHA256(loginKey, username|clientId|unix-ms|nonce)>
// accepted within ±maxSkew of the broker's clock and once per nonce in that window, so a captured
// password is worth nothing to a second client. Pure apart from the clock passed in.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// The key derivation is shared with the gateway's provisioning: it lives in the contract.
export { deriveLoginKey } from '../../gateway/src/contract/login-key.js';

export interface SignedLoginLimits {
  /** Accepted distance between the password's time and the broker's clock, either way. */
  readonly maxSkewMs: number;
  /** Nonces remembered at most; past it (all still in their window) signed logins wait. */
  readonly maxNonces: number;
}

/**
 * ±300 s is the window AWS Signature V4 allows for request times (and Alibaba Cloud's API
 * signatures use 15 min); devices without RTC sync over NTP drift by seconds a day. 100 000
 * nonces ≈ 10 MiB: every device of a large fleet reconnecting at once, several times, in one
 * window. Only logins with a valid signature are remembered, so nobody without a key can fill it.
 */
export const DEFAULT_SIGNED_LOGIN: SignedLoginLimits = { maxSkewMs: 300_000, maxNonces: 100_000 };

const SIGNED = /^v1:(\d{1,15}):([A-Za-z0-9_-]{8,64}):([0-9a-f]{64})$/;

export function signedMessage(username: string, clientId: string, atMs: number, nonce: string): string {
  return `${username}|${clientId}|${atMs}|${nonce}`;
}

/** The device side: a fresh one-time password for one CONNECT. */
export function signLogin(o: { loginKey: Buffer; username: string; clientId: string; atMs: number; nonce?: string }): string {
  const nonce = o.nonce ?? randomBytes(12).toString('base64url');
  const mac = createHmac('sha256', o.loginKey).update(signedMessage(o.username, o.clientId, o.atMs, nonce)).digest('hex');
  return `v1:${o.atMs}:${nonce}:${mac}`;
}

export type SignedVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: 'bad_password' | 'stale_login' | 'replayed' | 'rate_limited' };

/** Nonces seen within their window, per username; insertion order is (roughly) time order. */
export class NonceCache {
  /** `username\0nonce` → the time after which the password is stale anyway and may be forgotten. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxNonces: number) {}

  get size(): number {
    return this.seen.size;
  }

  /** 'fresh' (and remembers it), 'replayed', or 'full' when the bound is reached by live nonces. */
  claim(key: string, expiresMs: number, nowMs: number): 'fresh' | 'replayed' | 'full' {
    const until = this.seen.get(key);
    if (until !== undefined && until >= nowMs) return 'replayed';
    if (until !== undefined) this.seen.delete(key);
    this.forgetExpired(nowMs, this.seen.size >= this.maxNonces);
    // Full of nonces still in their window: forgetting one would let it be replayed, so refuse.
    if (this.seen.size >= this.maxNonces) return 'full';
    this.seen.set(key, expiresMs);
    return 'fresh';
  }

  private forgetExpired(nowMs: number, all: boolean): void {
    for (const [key, until] of this.seen) {
      if (until < nowMs) this.seen.delete(key);
      // Cheap path: only the oldest run; a full sweep only when the bound is reached.
      else if (!all) return;
    }
  }
}

/**
 * Checks a signed password for `username` on `clientId`; remembers its nonce when it is good.
 * The order matters: the MAC first, so that neither a stale time nor a nonce is ever taken from
 * someone without the key.
 */
export function verifySignedLogin(
  o: { loginKey: Buffer; username: string; clientId: string; password: Buffer },
  nonces: NonceCache,
  limits: SignedLoginLimits,
  nowMs: number,
): SignedVerdict {
  const m = SIGNED.exec(o.password.toString('latin1'));
  if (!m) return { ok: false, reason: 'bad_password' };
  const atMs = Number(m[1]);
  const nonce = m[2]!;
  const expected = createHmac('sha256', o.loginKey).update(signedMessage(o.username, o.clientId, atMs, nonce)).digest();
  if (!timingSafeEqual(expected, Buffer.from(m[3]!, 'hex'))) return { ok: false, reason: 'bad_password' };
  if (Math.abs(nowMs - atMs) > limits.maxSkewMs) return { ok: false, reason: 'stale_login' };
  const claimed = nonces.claim(`${o.username}\u0000${nonce}`, atMs + limits.maxSkewMs, nowMs);
  if (claimed === 'replayed') return { ok: false, reason: 'replayed' };
  if (claimed === 'full') return { ok: false, reason: 'rate_limited' };
  return { ok: true };
}
