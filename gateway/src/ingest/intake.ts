// Taking one telemetry message: decode → dedup → journal → detection, in that order, as direct
// calls. The callback `done` is the acknowledgement: it runs once the message (or its dead
// letter) is committed. Shared by both ingress adapters, so both keep the same contract.

import type { DeviceRef } from '../contract/ids.js';
import type { Topics } from '../contract/topics.js';
import { decodeTelemetry, MAX_PAYLOAD_BYTES, type DecodeLimits, type Telemetry } from '../contract/telemetry.js';
import type { Logger } from '../log.js';
import type { Done, Journal } from './journal.js';
import type { SeqDedup } from './dedup.js';
import { makeDeadLetter, RejectionCounter, type DeadLetter } from './deadletter.js';
import { DeviceOrder } from './device-order.js';

export interface IntakeDeps {
  readonly topics: Topics;
  readonly journal: Journal;
  readonly dedup: SeqDedup;
  readonly limits: DecodeLimits;
  readonly clock: () => number;
  readonly log: Logger;
  /** The detection path for an accepted reading; it runs before the commit (docs/architecture.md). */
  readonly onTelemetry: (ref: DeviceRef, telemetry: Telemetry) => void;
  /** Called for every rejected message, after it was dead-lettered (metrics, live views). */
  readonly onRejected?: (ref: DeviceRef, reason: string, detail: string) => void;
  /** How long a reading after a gap in its device's seq waits for the overtaken ones before
   * detection sees it (device-order.ts); 0 or absent: never, for an ingress that keeps each
   * device's order itself (the embedded broker: one connection per device). */
  readonly reorderWindowMs?: number;
}

export type TakeResult =
  | { readonly kind: 'accepted' | 'duplicate' }
  | { readonly kind: 'rejected'; readonly reason: string; readonly detail: string; readonly deadLetter: DeadLetter };

export class Intake {
  readonly rejections = new RejectionCounter();
  readonly counts = { accepted: 0, duplicates: 0, restarts: 0, rejected: 0 };
  private readonly unsubscribe: () => void;
  /** Present when the ingress may deliver a device's readings out of order. */
  readonly order: DeviceOrder | null;

  constructor(private readonly deps: IntakeDeps) {
    this.order = (deps.reorderWindowMs ?? 0) > 0 ? new DeviceOrder(deps.reorderWindowMs!, (ref, t) => this.detect(ref, t)) : null;
    for (const c of deps.journal.cursors()) deps.dedup.seed(`${c.site}/${c.device}`, c.lastSeq, c.lastTsMs);
    // A failed commit acknowledged nothing, so dedup must forget what it saw: reseed from disk.
    this.unsubscribe = deps.journal.on('commitFailed', () => {
      deps.dedup.clear();
      for (const c of deps.journal.cursors()) deps.dedup.seed(`${c.site}/${c.device}`, c.lastSeq, c.lastTsMs);
    });
  }

  /** Stops following the journal: once no message can arrive, nothing is left to reseed. */
  stop(): void {
    this.unsubscribe();
    this.order?.flushAll();
  }

  takeTelemetry(ref: DeviceRef, topic: string, payload: Buffer, done: Done): TakeResult {
    const { journal, dedup, clock, log } = this.deps;
    const receivedMs = clock();
    const decoded = decodeTelemetry(payload, receivedMs, this.deps.limits);
    if (!decoded.ok) {
      this.counts.rejected++;
      // A dead letter keeps at most the contract's size limit of the original (the detail says how
      // big it was): a device sending 1 MiB payloads must not cost 1 MiB of journal and of
      // dead-letter traffic per message.
      const kept = payload.byteLength > MAX_PAYLOAD_BYTES ? payload.subarray(0, MAX_PAYLOAD_BYTES) : payload;
      const deadLetter = makeDeadLetter(this.deps.topics, ref, { topic, payload: kept, receivedMs }, decoded.reason, decoded.detail);
      journal.appendDeadLetter(
        { site: ref.site, device: ref.device, topic, reason: decoded.reason, detail: decoded.detail, receivedMs, payload: kept },
        done,
      );
      const { total, shouldLog } = this.rejections.count(ref, decoded.reason);
      if (shouldLog) log.warn({ site: ref.site, device: ref.device, reason: decoded.reason, detail: decoded.detail, total }, 'telemetry rejected to dead letter');
      this.deps.onRejected?.(ref, decoded.reason, decoded.detail);
      return { kind: 'rejected', reason: decoded.reason, detail: decoded.detail, deadLetter };
    }
    const t = decoded.telemetry;
    const verdict = dedup.check(`${ref.site}/${ref.device}`, t.seq, t.tsMs);
    if (verdict === 'duplicate') {
      this.counts.duplicates++;
      // The original is committed or in the batch being filled: acknowledge after that commit.
      journal.afterCommit(done);
      return { kind: 'duplicate' };
    }
    if (verdict === 'restart') {
      this.counts.restarts++;
      log.info({ site: ref.site, device: ref.device, seq: t.seq }, 'device sequence restarted');
    }
    journal.append(
      {
        site: ref.site,
        device: ref.device,
        seq: t.seq,
        tsMs: t.tsMs,
        receivedMs,
        readingsJson: JSON.stringify(t.readings),
        metaJson: t.meta === undefined ? null : JSON.stringify(t.meta),
      },
      done,
    );
    this.counts.accepted++;
    if (this.order) this.order.take(`${ref.site}/${ref.device}`, ref, t, verdict, dedup.lastGap);
    else this.detect(ref, t);
    return { kind: 'accepted' };
  }

  private detect(ref: DeviceRef, t: Telemetry): void {
    try {
      this.deps.onTelemetry(ref, t);
    } catch (err) {
      // The reading is journaled either way; a failure here is a bug in the alarm path, said loudly.
      this.deps.log.error({ err, site: ref.site, device: ref.device, seq: t.seq }, 'detection path failed for a reading');
    }
  }
}
