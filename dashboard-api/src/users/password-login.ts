// Name and password in, the user out (the route opens the session with its audit entry). Every attempt that is not refused for a lock costs the same
// scrypt run, whether the name exists or not (a stand-in hash with the same parameters is checked
// for an unknown name), and an unknown name locks after the same number of tries as a real one:
// neither the time of an answer nor its words tell whether an account exists.

import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../../broker/src/auth.js';
import { ScryptQueue } from '../../../broker/src/scrypt-queue.js';
import { afterFailure, lockedForMs, UNLOCKED, type LockoutRule, type LockoutState } from './lockout.js';
import type { User, UserStore } from './user-store.js';
import { publicUser } from './user-store.js';

export type LoginOutcome =
  | { readonly ok: true; readonly user: User }
  | { readonly ok: false; readonly reason: 'bad_credentials' }
  /** `lockedNow`: this attempt locked a real account (the audit log records it). */
  | { readonly ok: false; readonly reason: 'locked'; readonly retryInMs: number; readonly lockedNow?: { readonly user: string } }
  /** Only said to whoever gave the right password: it reveals nothing to a guesser. */
  | { readonly ok: false; readonly reason: 'disabled' };

/** Names that do not exist, remembered for the lockout they would have; bounded in memory. */
const MAX_GHOSTS = 10_000;

export class PasswordLogin {
  private readonly queue: ScryptQueue;
  private readonly ghosts = new Map<string, LockoutState>();
  /** A hash of a random password with the default parameters, made once at start: checking an
   * unknown name against it costs what checking a real user's password costs. */
  private readonly standIn: Promise<string>;
  private checks = 0;

  constructor(
    private readonly users: UserStore,
    private readonly rule: LockoutRule,
    private readonly clock: () => number,
    /** Password checks at once: two leave libuv's other threads for file and DNS work (broker/src/scrypt-queue.ts). */
    slots = 2,
  ) {
    this.queue = new ScryptQueue(slots);
    this.standIn = hashPassword(randomBytes(16).toString('base64'));
    this.standIn.catch(() => {}); // awaited (and its failure seen) at the first unknown name
  }

  /** Password checks run (scrypt), for /metrics and for the test that no name is spared one. */
  get passwordChecks(): number {
    return this.checks;
  }

  async check(name: string, password: string, address: string): Promise<LoginOutcome> {
    const key = name.toLowerCase();
    const user = this.users.get(name);
    const state: LockoutState = user ? { failures: user.failedAttempts, lockedUntilMs: user.lockedUntilMs } : (this.ghosts.get(key) ?? UNLOCKED);
    const lockedMs = lockedForMs(state, this.clock());
    // A locked account is refused before the password is looked at: its right password during the
    // lock gets in no more than a wrong one, so guessing on through the lock learns nothing.
    if (lockedMs > 0) return { ok: false, reason: 'locked', retryInMs: lockedMs };

    const hash = user?.passwordHash ?? (await this.standIn);
    const matches = await this.queue.run(address, () => {
      this.checks++;
      return verifyPassword(password, hash);
    });
    if (!user || !matches) {
      // Read again: other attempts may have counted while this one waited for scrypt.
      const now = this.clock();
      const latest = user ? this.users.get(name) : null;
      const current: LockoutState = latest ? { failures: latest.failedAttempts, lockedUntilMs: latest.lockedUntilMs } : (this.ghosts.get(key) ?? UNLOCKED);
      const next = afterFailure(current, now, this.rule);
      if (latest) this.users.setLockout(latest.name, next);
      else this.remember(key, next);
      if (next.lockedUntilMs !== null && next.lockedUntilMs > now && current.lockedUntilMs !== next.lockedUntilMs) {
        return { ok: false, reason: 'locked', retryInMs: next.lockedUntilMs - now, ...(latest ? { lockedNow: { user: latest.name } } : {}) };
      }
      return { ok: false, reason: 'bad_credentials' };
    }
    if (user.disabledAtMs !== null) return { ok: false, reason: 'disabled' };
    this.users.setLockout(user.name, UNLOCKED);
    return { ok: true, user: publicUser(user) };
  }

  private remember(key: string, state: LockoutState): void {
    this.ghosts.delete(key);
    if (this.ghosts.size >= MAX_GHOSTS) {
      // A sweep of made-up names: forget the oldest half rather than grow without bound.
      [...this.ghosts.keys()].slice(0, MAX_GHOSTS / 2).forEach((k) => this.ghosts.delete(k));
    }
    this.ghosts.set(key, state);
  }
}
