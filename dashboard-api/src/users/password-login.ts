// Name and password in, the user out (the route opens the session with its audit entry). Every attempt that is not refused for a lock costs the same
// scrypt run, whether the name exists or not (a stand-in hash with the same parameters is checked
// for an unknown name), and an unknown name locks after the same number of tries as a real one:
// neither the time of an answer nor its words tell whether an account exists.

import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../../broker/src/auth.js';
import { ScryptQueue } from '../../../broker/src/scrypt-queue.js';
import { afterFailure, lockedForMs, type LockoutRule } from './lockout.js';
import type { User, UserStore } from './user-store.js';
import { publicUser } from './user-store.js';

export type LoginOutcome =
  | { readonly ok: true; readonly user: User }
  | { readonly ok: false; readonly reason: 'bad_credentials' }
  /** `lockedNow`: this attempt locked a real account (the audit log records it). */
  | { readonly ok: false; readonly reason: 'locked'; readonly retryInMs: number; readonly lockedNow?: { readonly user: string } }
  /** Only said to whoever gave the right password: it reveals nothing to a guesser. */
  | { readonly ok: false; readonly reason: 'disabled' };

export class PasswordLogin {
  private readonly queue: ScryptQueue;
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
    const user = this.users.get(name);
    const lockedMs = lockedForMs(this.users.lockoutOf(name), this.clock());
    // A locked account is refused before the password is looked at: its right password during the
    // lock gets in no more than a wrong one, so guessing on through the lock learns nothing.
    if (lockedMs > 0) return { ok: false, reason: 'locked', retryInMs: lockedMs };

    const hash = user?.passwordHash ?? (await this.standIn);
    const matches = await this.queue.run(address, () => {
      this.checks++;
      return verifyPassword(password, hash);
    });
    if (!user || !matches) {
      // Read again: other attempts may have counted while this one waited for scrypt. The same
      // read and write whether the name is a user's or not (user-store.ts, login_failure).
      const now = this.clock();
      const current = this.users.lockoutOf(name);
      const next = afterFailure(current, now, this.rule);
      this.users.setLockout(name, next, now);
      if (next.lockedUntilMs !== null && next.lockedUntilMs > now && current.lockedUntilMs !== next.lockedUntilMs) {
        return { ok: false, reason: 'locked', retryInMs: next.lockedUntilMs - now, ...(user ? { lockedNow: { user: user.name } } : {}) };
      }
      return { ok: false, reason: 'bad_credentials' };
    }
    if (user.disabledAtMs !== null) return { ok: false, reason: 'disabled' };
    this.users.clearFailures(user.name);
    return { ok: true, user: publicUser(user) };
  }
}
