// DeviceOrder (gateway/src/ingest/device-order.ts) with SeqDedup in front of it, as the intake runs
// them: readings a shared subscription delivered out of order reach detection in seq order, a
// gap that never fills holds its reading no longer than the window, and a reordering wider than
// dedup's window is taken as late, never dropped as a duplicate.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SeqDedup, WINDOW } from '../../../gateway/src/ingest/dedup.js';
import { DeviceOrder } from '../../../gateway/src/ingest/device-order.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';

const ref = { site: 'kitchen-01' as SiteId, device: 'gas-01' as DeviceId };
const KEY = 'kitchen-01/gas-01';
const T0 = 1_790_000_000_000;

/** Feeds seqs through dedup and the order as the intake does; returns the seqs detection saw. */
function harness(windowMs: number, lateBeyondWindow = true): { feed(seqs: number[]): void; seen: number[]; order: DeviceOrder; dedup: SeqDedup } {
  const seen: number[] = [];
  const dedup = new SeqDedup({ lateBeyondWindow });
  const order = new DeviceOrder(windowMs, (_ref, t) => seen.push(t.seq));
  return {
    seen,
    order,
    dedup,
    feed(seqs) {
      for (const seq of seqs) {
        const verdict = dedup.check(KEY, seq, T0 + seq * 1000);
        if (verdict === 'duplicate') continue;
        order.take(KEY, ref, { seq, tsMs: T0 + seq * 1000, readings: { ch4: 1 }, meta: undefined }, verdict, dedup.lastGap);
      }
    },
  };
}

describe('DeviceOrder', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('passes readings in order straight through', () => {
    const h = harness(100);
    h.feed([1, 2, 3]);
    expect(h.seen).toEqual([1, 2, 3]);
    expect(h.order.size).toBe(0);
  });

  it('holds a reading that overtook its predecessor until the predecessor arrives', () => {
    const h = harness(100);
    h.feed([1, 3, 4]);
    expect(h.seen).toEqual([1]);
    h.feed([2]);
    expect(h.seen).toEqual([1, 2, 3, 4]);
    expect(h.order.size).toBe(0);
    expect(h.order.counts).toEqual({ held: 2, timedOut: 0 });
  });

  it('waits for every missing seq of a wider gap', () => {
    const h = harness(100);
    h.feed([1, 4, 3]);
    expect(h.seen).toEqual([1, 3]);
    h.feed([2]);
    expect(h.seen).toEqual([1, 3, 2, 4]);
  });

  it('releases a held reading after the window when the missing one never comes', () => {
    const h = harness(100);
    h.feed([1, 3]);
    vi.advanceTimersByTime(99);
    expect(h.seen).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(h.seen).toEqual([1, 3]);
    expect(h.order.counts.timedOut).toBe(1);
    h.feed([4]);
    expect(h.seen).toEqual([1, 3, 4]);
  });

  it('lets what a restarted device sent before its restart go first', () => {
    const h = harness(100);
    h.feed([10, 12]);
    // Counter back to 1 with a newer ts: a restart.
    const verdict = h.dedup.check(KEY, 1, T0 + 20_000);
    h.order.take(KEY, ref, { seq: 1, tsMs: T0 + 20_000, readings: { ch4: 1 }, meta: undefined }, verdict as 'restart', h.dedup.lastGap);
    expect(h.seen).toEqual([10, 12, 1]);
  });

  it('releases everything held at stop', () => {
    const h = harness(100);
    h.feed([1, 3]);
    h.order.flushAll();
    expect(h.seen).toEqual([1, 3]);
  });

  it('holds nothing with a zero window', () => {
    const h = harness(0);
    h.feed([1, 3, 2]);
    expect(h.seen).toEqual([1, 3, 2]);
  });

  it('takes a reading overtaken by more than the dedup window as late, where one connection would call it a duplicate', () => {
    const wide = harness(100, true);
    const far = WINDOW + 50;
    wide.feed([1, far, 2]);
    expect(wide.seen).toContain(2);
    const one = harness(100, false);
    one.feed([1, far, 2]);
    expect(one.seen).not.toContain(2);
  });
});
