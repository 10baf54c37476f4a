// Failed MQTT logins slow down the source that fails, never lock out the account it names. A
// lockout per username let anyone with the device list lock a valve out (ten wrong passwords);
// a hard limit per address locked out every device behind one carrier-NAT address. Here a failure
// is counted per address and per username in fixed windows, and past a free allowance the
// *refusal* is held back with an exponential backoff: the right password is answered at once
// whatever the counts, a guesser gets one answer every few seconds. Pure apart from the clock.

export interface LoginThrottleLimits {
  /** Failures from one address per window answered at once. Generous: a 4G carrier puts
   * thousands of devices behind one NAT address, and one misconfigured neighbour retrying every
   * second (mqtt.js reconnectPeriod 1 s) must not slow the others' refusals, let alone logins. */
  readonly freePerAddress: number;
  /** Failures naming one username per window answered at once (OWASP Authentication Cheat
   * Sheet: throttle after a small number of failed attempts). */
  readonly freePerUsername: number;
  readonly windowMs: number;
  /** Delay of the first refusal past an allowance; each further failure doubles it. */
  readonly baseDelayMs: number;
  /** Longest a refusal is held; below mqtt.js's 30 s connect timeout so a device sees the refusal. */
  readonly maxDelayMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleLimits = { freePerAddress: 300, freePerUsername: 10, windowMs: 60_000, baseDelayMs: 250, maxDelayMs: 8_000 };

/** Windows kept at most; an address or username sweep forgets the oldest rather than grow. */
const MAX_KEYS = 10_000;

interface Window {
  startMs: number;
  count: number;
}

export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: LoginThrottleLimits = DEFAULT_LOGIN_THROTTLE,
    private readonly clock: () => number = Date.now,
  ) {
    const ok = limits.freePerAddress >= 0 && limits.freePerUsername >= 0 && limits.windowMs > 0 && limits.baseDelayMs >= 0 && limits.maxDelayMs >= limits.baseDelayMs;
    if (!ok) throw new RangeError('LoginThrottle: allowances ≥ 0, windowMs > 0 and maxDelayMs ≥ baseDelayMs');
  }

  /**
   * Counts one failure and returns how long to hold its refusal (0: answer now). An unknown
   * username counts against the address only: usernames are free to invent.
   */
  fail(username: string | undefined, address: string | undefined, knownUser: boolean): number {
    const now = this.clock();
    const byAddress = this.count(addressKey(address), now) - this.limits.freePerAddress;
    const byUsername = knownUser ? this.count(usernameKey(username), now) - this.limits.freePerUsername : 0;
    return this.delay(Math.max(byAddress, byUsername));
  }

  get size(): number {
    return this.windows.size;
  }

  private delay(excess: number): number {
    if (excess <= 0) return 0;
    // 2^30 already exceeds any maxDelayMs: cap the exponent so the number stays finite.
    return Math.min(this.limits.maxDelayMs, this.limits.baseDelayMs * 2 ** Math.min(excess - 1, 30));
  }

  /** The failures counted in the key's current window, this one included. */
  private count(key: string | null, now: number): number {
    if (key === null) return 0;
    const w = this.windows.get(key);
    if (w && now - w.startMs < this.limits.windowMs) return ++w.count;
    this.windows.delete(key);
    if (this.windows.size >= MAX_KEYS) this.prune(now);
    this.windows.set(key, { startMs: now, count: 1 });
    return 1;
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
