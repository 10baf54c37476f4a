// Moves committed journal rows into the time-series store in batches, off the acknowledgement
// path, and prunes journal rows the store has held for longer than the journal keep time (the
// journal is a spool, with a recent window kept for replay and forensics).

import type { Logger } from '../log.js';
import type { TelemetryStore } from './telemetry-store.js';

/** What the loop needs of the journal (ingest/journal.ts): deleting rows every store holds. */
export interface PrunableJournal {
  /** Deletes rows up to `lastId`; returns the rows reported deleted since the previous call. */
  prune(lastId: number): number;
}

export interface DrainOptions {
  readonly intervalMs: number;
  readonly batchRows: number;
  readonly keepMs: number;
  /** How often the store's housekeeping (retention) runs; default one minute. */
  readonly maintenanceIntervalMs?: number;
}

export class DrainLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** (time, store cursor) pairs: what the store held when, so pruning can wait `keepMs`. */
  private readonly checkpoints: { atMs: number; id: number }[] = [];
  private lastMaintenanceMs = -Infinity;
  readonly stats = { drained: 0, pruned: 0, failures: 0 };

  constructor(
    private readonly store: TelemetryStore,
    private readonly journal: PrunableJournal,
    private readonly options: DrainOptions,
    private readonly clock: () => number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the loop after a last full drain. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.store.flush();
  }

  tick(): Promise<void> {
    this.running ??= this.drain().finally(() => (this.running = null));
    return this.running;
  }

  private async drain(): Promise<void> {
    try {
      let moved: number;
      // A bounded number of batches per tick keeps the event loop free for the alarm path.
      let rounds = 0;
      do {
        moved = await this.store.drainOnce(this.options.batchRows);
        this.stats.drained += moved;
      } while (moved === this.options.batchRows && ++rounds < 5);
      this.prune();
      this.maintain();
      // More is waiting (a backlog after an outage): go on after other callbacks have run rather
      // than idle until the next interval.
      if (moved === this.options.batchRows && this.timer) setImmediate(() => void this.tick());
    } catch (err) {
      // The rows stay in the journal; the next tick tries again.
      this.stats.failures++;
      this.log.error({ err, store: this.store.kind }, 'time-series store drain failed; readings stay in the journal');
    }
  }

  private maintain(): void {
    if (!this.store.maintain) return;
    const now = this.clock();
    if (now - this.lastMaintenanceMs < (this.options.maintenanceIntervalMs ?? 60_000)) return;
    this.lastMaintenanceMs = now;
    this.store.maintain(now);
  }

  private prune(): void {
    const now = this.clock();
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (!last || now - last.atMs >= 1000) this.checkpoints.push({ atMs: now, id: this.store.cursor() });
    let upTo = 0;
    while (this.checkpoints.length > 0 && now - this.checkpoints[0]!.atMs >= this.options.keepMs) upTo = this.checkpoints.shift()!.id;
    if (upTo > 0) this.stats.pruned += this.journal.prune(upTo);
  }
}
