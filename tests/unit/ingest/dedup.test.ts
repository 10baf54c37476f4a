// SeqDedup (gateway/src/ingest/dedup.ts): QoS1 resends dropped by (device, seq), late arrivals
// taken once, restarted counters told apart from resends by their newer ts. Pure, no I/O.

import { describe, expect, it } from 'vitest';
import { SeqDedup, WINDOW, type SeqVerdict } from '../../../gateway/src/ingest/dedup.js';
import { createRng } from '../../../simulators/src/rng.js';

const KEY = 'kitchen-01/gas-01';
const T0 = 1_790_000_000_000;
/** A device that reads every second: ts follows seq, as a resend repeats its original ts. */
const tsOf = (seq: number): number => T0 + seq * 1000;

type Step = readonly [seq: number, tsMs: number, expected: SeqVerdict];

function run(dedup: SeqDedup, steps: readonly Step[], key = KEY): void {
  steps.forEach(([seq, tsMs, expected], i) => {
    expect(dedup.check(key, seq, tsMs), `step ${i}: seq ${seq} at ${tsMs - T0} ms`).toBe(expected);
  });
}

describe('SeqDedup', () => {
  it('accepts new seqs in order, starting anywhere', () => {
    run(new SeqDedup(), [
      [41, tsOf(41), 'new'],
      [42, tsOf(42), 'new'],
      [43, tsOf(43), 'new'],
      [50, tsOf(50), 'new'],
    ]);
  });

  it('drops an exact resend of the newest and of an earlier seq', () => {
    run(new SeqDedup(), [
      [1, tsOf(1), 'new'],
      [2, tsOf(2), 'new'],
      [3, tsOf(3), 'new'],
      [3, tsOf(3), 'duplicate'],
      [3, tsOf(3), 'duplicate'],
      [1, tsOf(1), 'duplicate'],
      [2, tsOf(2), 'duplicate'],
      [4, tsOf(4), 'new'],
    ]);
  });

  it('accepts a late out-of-order seq within the window once, then drops it', () => {
    run(new SeqDedup(), [
      [10, tsOf(10), 'new'],
      [13, tsOf(13), 'new'],
      [12, tsOf(12), 'late'],
      [11, tsOf(11), 'late'],
      [12, tsOf(12), 'duplicate'],
      [11, tsOf(11), 'duplicate'],
      [13, tsOf(13), 'duplicate'],
      [14, tsOf(14), 'new'],
    ]);
  });

  it('accepts the oldest seq still in the window and drops anything older', () => {
    const last = 1000;
    run(new SeqDedup(), [
      [last, tsOf(last), 'new'],
      [last - (WINDOW - 1), tsOf(last - (WINDOW - 1)), 'late'],
      [last - (WINDOW - 1), tsOf(last - (WINDOW - 1)), 'duplicate'],
      [last - WINDOW, tsOf(last - WINDOW), 'duplicate'],
      [last - WINDOW - 500, tsOf(last - WINDOW - 500), 'duplicate'],
      [0, tsOf(0), 'duplicate'],
    ]);
  });

  it('takes a lower seq with a newer ts as a restarted device and starts its window again', () => {
    const dedup = new SeqDedup();
    run(dedup, [
      [500, tsOf(500), 'new'],
      [501, tsOf(501), 'new'],
      // Rebooted: the counter starts again, the clock moved on.
      [1, tsOf(600), 'restart'],
      [1, tsOf(600), 'duplicate'],
      [2, tsOf(601), 'new'],
      [3, tsOf(602), 'new'],
      [2, tsOf(601), 'duplicate'],
      // A resend of a pre-restart seq below the new counter carries its old ts: not a restart.
      [1, tsOf(1), 'duplicate'],
      [4, tsOf(603), 'new'],
    ]);
    // Same seq as the newest but a newer ts is a new message of a restarted counter, not a resend.
    run(dedup, [[4, tsOf(700), 'restart']]);
  });

  it('treats everything at or below a seeded cursor as taken', () => {
    const dedup = new SeqDedup();
    dedup.seed(KEY, 50, tsOf(50));
    run(dedup, [
      [50, tsOf(50), 'duplicate'],
      [49, tsOf(49), 'duplicate'],
      [50 - (WINDOW - 1), tsOf(50 - (WINDOW - 1)), 'duplicate'],
      [0, tsOf(0), 'duplicate'],
      [51, tsOf(51), 'new'],
      [51, tsOf(51), 'duplicate'],
      [53, tsOf(53), 'new'],
      // A gap opened after the seed is still filled by a late arrival, once.
      [52, tsOf(52), 'late'],
      [52, tsOf(52), 'duplicate'],
    ]);
    // A restart after the gateway's own restart is still recognised.
    run(dedup, [[1, tsOf(900), 'restart']]);
  });

  it('seeding replaces what was seen before', () => {
    const dedup = new SeqDedup();
    run(dedup, [[100, tsOf(100), 'new']]);
    dedup.seed(KEY, 20, tsOf(20));
    run(dedup, [
      [21, tsOf(21), 'new'],
      [20, tsOf(20), 'duplicate'],
    ]);
  });

  it('forgets the whole window on a jump bigger than the window', () => {
    const dedup = new SeqDedup();
    const far = 5 + WINDOW + 10;
    run(dedup, [
      [1, tsOf(1), 'new'],
      [2, tsOf(2), 'new'],
      [5, tsOf(5), 'new'],
      [far, tsOf(far), 'new'],
      // What was taken before the jump is outside the window now: dropped.
      [5, tsOf(5), 'duplicate'],
      [2, tsOf(2), 'duplicate'],
      // Inside the new window nothing was seen yet, so the bitmap must be all clear.
      [far - (WINDOW - 1), tsOf(far - (WINDOW - 1)), 'late'],
      [far - 1, tsOf(far - 1), 'late'],
      [far - 32, tsOf(far - 32), 'late'],
      [far, tsOf(far), 'duplicate'],
    ]);
  });

  it('keeps the seen bits exact across shifts of every size, against a plain set', () => {
    for (const seed of [1, 2, 3, 42, 2026]) {
      const rng = createRng(seed);
      const next = () => rng.next();
      const dedup = new SeqDedup();
      const taken = new Set<number>();
      let last = -1;
      for (let i = 0; i < 4000; i++) {
        // Mostly forward steps of 1..70 (crossing 32-bit word borders), sometimes a big jump,
        // often a look back inside or just outside the window.
        const r = next();
        let seq: number;
        if (last < 0 || r < 0.45) seq = Math.max(0, last) + 1 + Math.floor(next() * 70);
        else if (r < 0.5) seq = last + WINDOW + Math.floor(next() * 300);
        else seq = Math.max(0, last - Math.floor(next() * (WINDOW + 40)));
        let expected: SeqVerdict;
        if (last < 0 || seq > last) expected = 'new';
        else if (last - seq >= WINDOW || taken.has(seq)) expected = 'duplicate';
        else expected = 'late';
        expect(dedup.check(KEY, seq, tsOf(seq)), `seed ${seed}, step ${i}: seq ${seq}, last ${last}`).toBe(expected);
        if (expected !== 'duplicate') taken.add(seq);
        last = Math.max(last, seq);
      }
    }
  });

  it('keeps devices independent', () => {
    const dedup = new SeqDedup();
    const devices = Array.from({ length: 50 }, (_, i) => `kitchen-${i % 5}/gas-${i}`);
    for (const key of devices) run(dedup, [[1, tsOf(1), 'new']], key);
    for (const key of devices) run(dedup, [[1, tsOf(1), 'duplicate'], [2, tsOf(2), 'new']], key);
    expect(dedup.size).toBe(50);

    // One device restarting or jumping changes nothing for the others.
    run(dedup, [[1, tsOf(100), 'restart']], devices[0]);
    run(dedup, [[5000, tsOf(5000), 'new']], devices[1]);
    run(dedup, [[2, tsOf(2), 'duplicate'], [3, tsOf(3), 'new']], devices[2]);

    dedup.forget(devices[3]!);
    expect(dedup.size).toBe(49);
    run(dedup, [[1, tsOf(1), 'new']], devices[3]);
    run(dedup, [[1, tsOf(1), 'duplicate']], devices[4]);

    dedup.clear();
    expect(dedup.size).toBe(0);
    run(dedup, [[2, tsOf(2), 'new']], devices[4]);
  });
});

describe('seq gaps', () => {
  it('counts the seqs a device skipped and takes back the ones that arrive late', () => {
    const d = new SeqDedup();
    d.check('k/g', 1, 1000);
    d.check('k/g', 5, 5000); // 2, 3, 4 missing
    expect(d.missing('k/g')).toBe(3);
    expect(d.check('k/g', 3, 3000)).toBe('late');
    expect(d.missing('k/g')).toBe(2);
    expect(d.check('k/g', 3, 3000)).toBe('duplicate');
    expect(d.missing('k/g')).toBe(2);
    d.check('k/g', 6, 6000);
    expect(d.missing('k/g')).toBe(2);
    expect(d.missing('k/other')).toBe(0);
  });
});

describe('shared storage', () => {
  it('keeps each of many devices apart while its arrays grow', () => {
    const d = new SeqDedup();
    const n = 1000; // past several doublings of the shared arrays
    for (let i = 0; i < n; i++) expect(d.check(`s/d${i}`, i + 10, tsOf(i + 10))).toBe('new');
    for (let i = 0; i < n; i++) {
      expect(d.check(`s/d${i}`, i + 10, tsOf(i + 10))).toBe('duplicate');
      expect(d.check(`s/d${i}`, i + 12, tsOf(i + 12))).toBe('new');
      expect(d.missing(`s/d${i}`)).toBe(1);
      expect(d.check(`s/d${i}`, i + 11, tsOf(i + 11))).toBe('late');
    }
    expect(d.size).toBe(n);
  });

  it('gives a forgotten device a clean slate, and the freed slot carries nothing to the next device', () => {
    const d = new SeqDedup();
    d.seed('s/old', 100, tsOf(100));
    d.check('s/old', 105, tsOf(105));
    d.forget('s/old');
    expect(d.size).toBe(0);
    expect(d.check('s/new', 50, tsOf(50))).toBe('new');
    expect(d.missing('s/new')).toBe(0);
    expect(d.check('s/new', 49, tsOf(49))).toBe('late');
    expect(d.check('s/old', 100, tsOf(100))).toBe('new');
    d.seed('s/new', 7, tsOf(7));
    expect(d.check('s/new', 7, tsOf(7))).toBe('duplicate');
    expect(d.check('s/new', 1, tsOf(1))).toBe('duplicate');
    d.clear();
    expect(d.size).toBe(0);
    expect(d.check('s/new', 7, tsOf(7))).toBe('new');
  });
});
