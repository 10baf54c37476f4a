// Failed MQTT logins counted per username and per source address in fixed windows (issue 8:
// "login and API rate limits hold"). Past a limit the broker refuses without running scrypt, so
// guessing a device's password and burning the broker's CPU both stop. Pure apart from the clock.

export interface LoginLimits {
  /** Failed logins for one username per window before that username is refused. */
  readonly perUsername: number;
  /** Failed logins from one address per window (unknown usernames included) before it is refused. */
  readonly perAddress: number;
  readonly windowMs: number;
}

/**
 * No standard figure for MQTT: OWASP's authentication guidance asks for a lockout or throttle
 * after a small number of failures; 10 per username per minute stops guessing. Many devices of a
 * site share one NAT address and a misconfigured one retries about once a second (mqtt.js
 * reconnectPeriod 1 s), so the address limit sits well above 60 a minute: one broken neighbour
 * does not lock the others out.
 */
export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perUsername: 10, perAddress: 100, windowMs: 60_000 };

/** Windows kept at most; an address or username sweep forgets the oldest rather than grow. */
const MAX_KEYS = 10_000;

interface Window {
  startMs: number;
  count: number;
}

export class LoginLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {
    if (!(limits.perUsername >= 1 && limits.perAddress >= 1 && limits.windowMs > 0)) throw new RangeError('LoginLimiter: limits must be ≥ 1 and windowMs > 0');
  }

  /** Milliseconds until this username or address may try again, 0 when it may try now. */
  blockedFor(username: string | undefined, address: string | undefined): number {
    const now = this.clock();
    return Math.max(this.wait(usernameKey(username), this.limits.perUsername, now), this.wait(addressKey(address), this.limits.perAddress, now));
  }

  /** Counts one failure; an unknown username counts against the address only (usernames are free to invent). */
  fail(username: string | undefined, address: string | undefined, knownUser: boolean): void {
    const now = this.clock();
    if (knownUser) this.count(usernameKey(username), now);
    this.count(addressKey(address), now);
  }

  get size(): number {
    return this.windows.size;
  }

  private wait(key: string | null, max: number, now: number): number {
    if (key === null) return 0;
    const w = this.windows.get(key);
    if (!w || now - w.startMs >= this.limits.windowMs || w.count < max) return 0;
    return w.startMs + this.limits.windowMs - now;
  }

  private count(key: string | null, now: number): void {
    if (key === null) return;
    const w = this.windows.get(key);
    if (w && now - w.startMs < this.limits.windowMs) {
      w.count++;
      return;
    }
    this.windows.delete(key);
    if (this.windows.size >= MAX_KEYS) this.prune(now);
    this.windows.set(key, { startMs: now, count: 1 });
  }

  private prune(now: number): void {
    for (const [key, w] of this.windows) if (now - w.startMs >= this.limits.windowMs) this.windows.delete(key);
    // Map order is insertion order: the oldest windows go first.
    for (const key of this.windows.keys()) {
      if (this.windows.size < MAX_KEYS / 2) break;
      this.windows.delete(key);
    }
  }
}

function usernameKey(username: string | undefined): string | null {
  return username === undefined || username === '' ? null : `u\u0000${username}`;
}

function addressKey(address: string | undefined): string | null {
  return address === undefined || address === '' ? null : `a\u0000${address}`;
}
