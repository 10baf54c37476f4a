// Smoke test of the ingest benchmark: it starts the real gateway, drives it over MQTT from a
// worker thread and checks that every PUBACK has its journal row. Speed is the bench's business
// (npm run bench), not a test's: only sanity of the figures is asserted here.

import { describe, expect, it } from 'vitest';
import { runIngestBench } from '../../../bench/ingest.js';

describe('ingest benchmark', () => {
  it('journals every acknowledged message and reports sane figures', async () => {
    const r = await runIngestBench({ messages: 2000, publishers: 2, outFile: null });
    expect(r.lost).toBe(0);
    expect(r.lost_journal).toBe(0);
    expect(r.lost_store).toBe(0);
    expect(r.lost_full).toBe(0);
    expect(r.lost_normal).toBe(0);
    expect(r.rejected).toBe(0);
    expect(r.messages).toBe(2000);
    expect(r.publishers).toBe(2);
    expect(r.synchronous).toBe('FULL');
    expect(Number(r.messages_per_s)).toBeGreaterThan(0);
    expect(Number(r.messages_per_s_normal)).toBeGreaterThan(0);
    expect(Number(r.puback_p50_ms)).toBeLessThanOrEqual(Number(r.puback_p99_ms));
    expect(Number(r.puback_p99_ms)).toBeLessThanOrEqual(Number(r.puback_max_ms));
    expect(Number(r.idle_puback_p50_ms)).toBeLessThanOrEqual(Number(r.idle_puback_p99_ms));
  });
});
