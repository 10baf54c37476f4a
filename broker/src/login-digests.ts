// Logins that passed scrypt, remembered as a keyed digest so the next login of the same device
// with the same password costs one HMAC instead of a scrypt. The broker defines the store it
// needs; the gateway passes one that outlives a restart (state.db), so 10 000 kitchens coming
// back after an upgrade do not each pay a full scrypt again.

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Where verified-login digests live: in memory (default) or the gateway's state store. */
export interface LoginDigestStore {
  get(username: string): Buffer | undefined;
  put(username: string, digest: Buffer): void;
  /** Drops these accounts' digests (removed from the fleet or given a new credential), all in one go. */
  forget(usernames: readonly string[]): void;
  readonly size: number;
  /** Saves what is pending; the broker calls it when it closes. */
  flush?(): void;
}

/**
 * HMAC-SHA256 under a secret key of the username, the account's stored password hash and the
 * password. The stored hash is part of it, so a password change (a new passwordHash in the
 * config) makes every old digest of that account useless without any invalidation step; the key
 * keeps a copy of the store alone from being a fast offline guessing table.
 */
export function loginDigest(key: Buffer, username: string, passwordHash: string, password: Buffer): Buffer {
  return createHmac('sha256', key).update(username).update('\u0000').update(passwordHash).update('\u0000').update(password).digest();
}

export function digestMatches(stored: Buffer | undefined, digest: Buffer): boolean {
  return stored !== undefined && stored.length === digest.length && timingSafeEqual(stored, digest);
}

/** The in-process store: least recently used digests go first past `capacity`. */
export class MemoryLoginDigests implements LoginDigestStore {
  private readonly digests = new Map<string, Buffer>();

  constructor(private readonly capacity = 100_000) {}

  get(username: string): Buffer | undefined {
    const digest = this.digests.get(username);
    if (digest !== undefined) {
      // Map iterates in insertion order: re-inserting keeps the first key the least recently used.
      this.digests.delete(username);
      this.digests.set(username, digest);
    }
    return digest;
  }

  put(username: string, digest: Buffer): void {
    this.digests.delete(username);
    this.digests.set(username, digest);
    while (this.digests.size > this.capacity) {
      const oldest = this.digests.keys().next();
      if (oldest.done) break;
      this.digests.delete(oldest.value);
    }
  }

  forget(usernames: readonly string[]): void {
    for (const username of usernames) this.digests.delete(username);
  }

  get size(): number {
    return this.digests.size;
  }
}
