// The packed wire form of a group-commit batch (gateway/src/ingest/journal-batch.ts): what the
// worker unpacks is exactly what was appended, in order, and damage is refused, not stored.

import { describe, expect, it } from 'vitest';
import { packBatch, unpackReadings } from '../../../gateway/src/ingest/journal-batch.js';
import type { JournalReading } from '../../../gateway/src/ingest/journal.js';

const T0 = Date.parse('2026-11-22T08:00:00.000Z');

describe('journal batch packing', () => {
  it('unpacks every reading as appended, in order, with null and empty meta kept apart', () => {
    const readings: JournalReading[] = [
      { site: 'kitchen-01', device: 'gas-01', seq: 1, tsMs: T0, receivedMs: T0 + 5, readingsJson: '{"ch4":12.5}', metaJson: null },
      { site: 'kitchen-01', device: 'gas-02', seq: 4_294_967_295, tsMs: T0 + 1, receivedMs: T0 + 6, readingsJson: '{"co":3}', metaJson: '""' },
      { site: 'site_2', device: 'w-1', seq: 0, tsMs: T0 - 86_400_000, receivedMs: T0, readingsJson: JSON.stringify({ note: 'a\u0000b' }), metaJson: '{"fw":"1.2"}' },
    ];
    const packed = packBatch(readings, []);
    expect(packed.count).toBe(3);
    expect(unpackReadings(packed)).toEqual(readings);
  });

  it('packs an empty batch (only barriers) to nothing', () => {
    expect(unpackReadings(packBatch([], []))).toEqual([]);
  });

  it('refuses a batch whose strings do not match its count', () => {
    const packed = packBatch([{ site: 's', device: 'd', seq: 1, tsMs: T0, receivedMs: T0, readingsJson: '{}', metaJson: null }], []);
    expect(() => unpackReadings({ ...packed, text: `${packed.text}\u0000extra` })).toThrow(/journal batch damaged/);
  });
});
