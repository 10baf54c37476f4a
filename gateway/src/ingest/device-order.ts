// Each device's readings reach detection in seq order, even when the broker delivers them out of
// order: with an external broker the gateway takes telemetry over several connections of one
// shared subscription, and the broker hands each message to the next connection, so a device's
// reading can arrive before its predecessor. Detection ignores a reading older than the latest it
// took (detect/threshold.ts `accepts`), so a red that was overtaken by the next clean reading
// would never raise. A reading that follows a gap in its device's seq is held (detection only:
// it is journaled and acknowledged as usual) until the missing seqs arrive or `windowMs` passes.

import type { DeviceRef } from '../contract/ids.js';
import type { Telemetry } from '../contract/telemetry.js';
import type { SeqVerdict } from './dedup.js';

interface Held {
  readonly items: { readonly ref: DeviceRef; readonly t: Telemetry }[];
  /** Seqs still missing below the newest held reading. */
  missing: number;
  readonly timer: NodeJS.Timeout;
}

export class DeviceOrder {
  private readonly held = new Map<string, Held>();
  /** Readings held for a gap, and how many of those gaps closed by timeout (a seq that never came). */
  readonly counts = { held: 0, timedOut: 0 };

  constructor(
    private readonly windowMs: number,
    private readonly release: (ref: DeviceRef, t: Telemetry) => void,
  ) {}

  /** Devices with readings held now. */
  get size(): number {
    return this.held.size;
  }

  /**
   * Passes an accepted reading on to detection now or after the readings it overtook; `verdict`
   * and `gap` are SeqDedup's for it (`gap`: seqs skipped between the newest and this one).
   */
  take(key: string, ref: DeviceRef, t: Telemetry, verdict: Exclude<SeqVerdict, 'duplicate'>, gap: number): void {
    const h = this.held.get(key);
    if (h === undefined) {
      if (verdict === 'new' && gap > 0 && this.windowMs > 0) {
        const timer = setTimeout(() => {
          this.counts.timedOut++;
          this.flush(key);
        }, this.windowMs);
        timer.unref();
        this.held.set(key, { items: [{ ref, t }], missing: gap, timer });
        this.counts.held++;
        return;
      }
      this.release(ref, t);
      return;
    }
    if (verdict === 'late') {
      // An overtaken reading: older than everything held, so it goes first.
      this.release(ref, t);
      if (--h.missing <= 0) this.flush(key);
      return;
    }
    if (verdict === 'new') {
      // Newer than what is held: it queues behind it, with any gap of its own.
      h.items.push({ ref, t });
      h.missing += gap;
      this.counts.held++;
      return;
    }
    // The device restarted its counter: what it sent before the restart goes first.
    this.flush(key);
    this.release(ref, t);
  }

  /** Releases every held reading (stop: nothing more will fill the gaps). */
  flushAll(): void {
    for (const key of [...this.held.keys()]) this.flush(key);
  }

  private flush(key: string): void {
    const h = this.held.get(key);
    if (h === undefined) return;
    clearTimeout(h.timer);
    this.held.delete(key);
    for (const { ref, t } of h.items) this.release(ref, t);
  }
}
