// Chattering (ISA-18.2 / EEMUA 191: 3 or more alarms from one source within 1 minute): a sensor
// that keeps crossing into alarm is flagged and its alarm held active until the sensor has been
// quiet for a while, so the roster gets one alarm, not one per crossing. Pure: time passed in.

export interface ChatterPolicy {
  /** Raises within `windowMs` that make a source chattering (ISA-18.2 / EEMUA 191: 3 within 1 minute). */
  readonly raises: number;
  readonly windowMs: number;
  /** Quiet time (no raise, no clear) before a flagged source is stable again. */
  readonly stableMs: number;
}

export const DEFAULT_CHATTER_POLICY: ChatterPolicy = { raises: 3, windowMs: 60_000, stableMs: 60_000 };

export class ChatterGuard {
  private readonly recent = new Map<string, number[]>();
  private readonly flagged = new Map<string, { lastChangeMs: number }>();

  constructor(private readonly policy: ChatterPolicy = DEFAULT_CHATTER_POLICY) {}

  /** A source crossed into alarm; returns true when this crossing makes (or keeps) it chattering. */
  noteRaise(key: string, atMs: number): boolean {
    const times = (this.recent.get(key) ?? []).filter((t) => atMs - t < this.policy.windowMs);
    times.push(atMs);
    this.recent.set(key, times);
    const flag = this.flagged.get(key);
    if (flag) flag.lastChangeMs = atMs;
    else if (times.length >= this.policy.raises) this.flagged.set(key, { lastChangeMs: atMs });
    return this.flagged.has(key);
  }

  /** Any other movement of a flagged source restarts its quiet time. */
  noteChange(key: string, atMs: number): void {
    const flag = this.flagged.get(key);
    if (flag) flag.lastChangeMs = atMs;
  }

  isFlagged(key: string): boolean {
    return this.flagged.has(key);
  }

  /** Sources quiet for `stableMs` by `nowMs`: unflagged and returned. */
  stable(nowMs: number): string[] {
    const out: string[] = [];
    for (const [key, flag] of this.flagged) {
      if (nowMs - flag.lastChangeMs >= this.policy.stableMs) {
        this.flagged.delete(key);
        this.recent.delete(key);
        out.push(key);
      }
    }
    return out;
  }
}
