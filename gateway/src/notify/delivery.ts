// Sends the outbox at least once: due rows go to their channel within its concurrency and
// per-minute limits; a failure is retried after an exponential backoff with jitter; after the
// last attempt the row is `failed` and onDeliveryFailed raises the admin alarm. State lives in
// the outbox rows, so a restart picks up whatever was still pending.

import type { Logger } from '../log.js';
import { DeliveryError, type Channel } from './channels/channel.js';
import type { OutboxRepository, OutboxRow } from './outbox.js';

export interface DeliveryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  pollMs: number;
}

export interface ChannelLimit {
  concurrency: number;
  perMinute: number;
}

export interface DeliveryStats {
  sent: number;
  failed: number;
  retried: number;
  pending: number;
}

/** Delay before attempt `failures + 1`: base·2^(failures−1) capped, then "equal jitter" (half
 * fixed, half random) so receivers coming back are not hit by every sender at once. */
export function backoffMs(failures: number, policy: Pick<DeliveryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

export interface DeliveryOptions {
  outbox: OutboxRepository;
  channels: ReadonlyMap<string, Channel>;
  limits: ReadonlyMap<string, ChannelLimit>;
  policy: DeliveryPolicy;
  clock: () => number;
  log: Logger;
  random?: () => number;
  /** The row just became `failed`: the runtime raises an admin alarm for it. */
  onDeliveryFailed?: (row: OutboxRow) => void;
  /** A delivery got through: a channel that was failing works again. */
  onDelivered?: (row: OutboxRow) => void;
}

export class DeliveryWorker {
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly perChannel = new Map<string, number>();
  /** Start times of the sends of the last minute, per channel. */
  private readonly recent = new Map<string, number[]>();
  private readonly counters = { sent: 0, failed: 0, retried: 0 };
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private kicked = false;

  constructor(private readonly o: DeliveryOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops taking rows and waits for sends in flight (their outcome is recorded). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Stops at once without waiting: what a killed process does (test only). */
  abandon(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** New rows were written: look now rather than at the next poll. */
  kick(): void {
    if (!this.running || this.kicked) return;
    this.kicked = true;
    this.schedule(0);
  }

  stats(): DeliveryStats {
    let pending = 0;
    try {
      pending = this.o.outbox.counts().pending;
    } catch (err) {
      this.o.log.warn({ err }, 'cannot count pending notifications');
    }
    return { ...this.counters, pending };
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), ms);
    this.timer.unref();
  }

  private pump(): void {
    this.timer = null;
    this.kicked = false;
    if (!this.running) return;
    try {
      this.startDue();
    } catch (err) {
      // A poll that throws (database busy or closed) must not end the process: say it, poll again.
      this.o.log.error({ err }, 'notification delivery poll failed');
    }
    if (this.running && !this.timer) this.schedule(this.o.policy.pollMs);
  }

  private startDue(): void {
    const now = this.o.clock();
    for (const row of this.o.outbox.due(now, 500)) {
      if (this.inFlight.has(row.id)) continue;
      const channel = this.o.channels.get(row.channel);
      if (!channel) {
        this.fail(row, `no channel ${row.channel} in notify.channels (removed from config?)`);
        continue;
      }
      if (!this.mayStart(row.channel, now)) continue;
      this.perChannel.set(row.channel, (this.perChannel.get(row.channel) ?? 0) + 1);
      this.recent.get(row.channel)!.push(now);
      const p = this.send(channel, row).finally(() => {
        this.inFlight.delete(row.id);
        this.perChannel.set(row.channel, (this.perChannel.get(row.channel) ?? 1) - 1);
        this.kick();
      });
      this.inFlight.set(row.id, p);
    }
  }

  private mayStart(channel: string, now: number): boolean {
    const limit = this.o.limits.get(channel) ?? { concurrency: 1, perMinute: 20 };
    if ((this.perChannel.get(channel) ?? 0) >= limit.concurrency) return false;
    const times = (this.recent.get(channel) ?? []).filter((t) => now - t < 60_000);
    this.recent.set(channel, times);
    return times.length < limit.perMinute;
  }

  private async send(channel: Channel, row: OutboxRow): Promise<void> {
    const failures = row.attempts;
    try {
      await channel.send({ key: row.key, to: row.address, title: row.title, ...row.body });
    } catch (err) {
      const reason = (err as Error).message;
      const retryable = !(err instanceof DeliveryError) || err.retryable;
      if (!retryable || failures + 1 >= this.o.policy.maxAttempts) {
        this.fail(row, reason);
        return;
      }
      const next = this.o.clock() + backoffMs(failures + 1, this.o.policy, this.o.random ?? Math.random);
      this.counters.retried++;
      this.o.log.warn({ key: row.key, channel: row.channel, attempt: failures + 1, nextAtMs: next, reason }, 'notification not delivered, will retry');
      this.record(() => this.o.outbox.markRetry(row.id, next, reason));
      return;
    }
    this.counters.sent++;
    if (!this.record(() => this.o.outbox.markSent(row.id, this.o.clock()))) return;
    try {
      this.o.onDelivered?.({ ...row, state: 'sent', attempts: row.attempts + 1 });
    } catch (err) {
      this.o.log.error({ err, key: row.key }, 'onDelivered hook failed');
    }
  }

  private fail(row: OutboxRow, reason: string): void {
    this.counters.failed++;
    this.o.log.error({ key: row.key, channel: row.channel, alarmId: row.alarmId, reason }, 'notification failed for good');
    if (!this.record(() => this.o.outbox.markFailed(row.id, reason))) return;
    try {
      this.o.onDeliveryFailed?.({ ...row, state: 'failed', attempts: row.attempts + 1, lastError: reason });
    } catch (err) {
      this.o.log.error({ err, key: row.key }, 'onDeliveryFailed hook failed');
    }
  }

  /** An outcome that cannot be written (database closed at a crash) is sent again after restart. */
  private record(write: () => void): boolean {
    try {
      write();
      return true;
    } catch (err) {
      this.o.log.error({ err }, 'cannot record a notification outcome; it will be sent again');
      return false;
    }
  }
}
