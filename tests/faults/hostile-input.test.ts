// Hostile input: 100 000 generated and known-bad messages through the real embedded
// broker into the real gateway, from authenticated devices, valid readings interleaved; hostile
// topics after. Nothing crashes, memory stays bounded, every bad message is dead-lettered with
// the reason of its class, every valid one is stored and its alarm raised.

import { beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_SUITE, runHostileInput, type HostileOutcome } from './support/hostile-scenarios.js';

/** Heap growth allowed after a full GC: the gateway keeps per-device state (dedup, counters), not per message. */
const HEAP_GROWTH_MIB = 32;
/** RSS (whole process) growth allowed at the peak: it counts the device worker thread holding every
 * planned payload (about 60 MiB, 26 of them 1 MiB), the generation, and what is in flight; the
 * heap bound above is the one that would catch a leak in the gateway. */
const RSS_PEAK_GROWTH_MIB = 768;

describe('hostile input through the real broker and gateway', () => {
  let out: HostileOutcome;

  beforeAll(async () => {
    out = await runHostileInput(HOSTILE_SUITE);
    process.stderr.write(`[hostile-input] ${JSON.stringify({ ...out, details: { ...out.details, alarms: undefined } })}\n`);
  }, 120_000);

  it('takes at least 100 000 messages, every one acknowledged (no disconnect, no crash)', () => {
    expect(out.details.acked + out.details.publishFailures).toBeGreaterThanOrEqual(100_000);
    expect(out.details.publishFailures).toBe(0);
  });

  it('dead-letters every bad message once, with the reason of its class', () => {
    expect(out.details.deadReceived).toEqual(out.details.deadExpected);
    expect(out.details.rejectedByReason).toEqual(out.details.deadExpected);
    expect(out.details.deadLetterRows).toBe(out.details.badSent);
  });

  it('keeps at most 16 KiB of an oversized payload in its dead letter, on disk and on the topic', () => {
    // Before intake.ts capped it, each 1 MiB payload cost 1 MiB of journal and a 1 MiB dead letter.
    expect(out.details.deadLetterMaxStoredBytes).toBe(16 * 1024);
    // JSON escaping can grow 16 KiB of text at most sixfold (\u0000), plus the envelope.
    expect(out.details.deadLetterMaxMessageBytes).toBeLessThan(6 * 16 * 1024 + 1024);
    // Every reason code the contract knows was exercised.
    expect(Object.keys(out.details.deadExpected).sort()).toEqual([
      'bad_channel', 'bad_meta', 'bad_readings', 'bad_seq', 'bad_ts', 'forbidden_key', 'invalid_json', 'no_readings',
      'not_finite', 'not_object', 'not_utf8', 'too_large', 'too_many_readings', 'ts_in_future', 'ts_too_old',
    ]);
  });

  it('stores every valid reading interleaved with them and drops the duplicated seqs', () => {
    expect(out.lost).toBe(0);
    expect(out.stored).toBe(out.published);
    expect(out.details.duplicatesDropped).toBe(out.details.duplicatesSent);
    // Only readings left the broker on telemetry topics: the bad bytes went to the dead-letter topic only.
    expect(out.details.forwardedUnreadable).toBe(0);
  });

  it('raises the methane alarm of each device episode once, and detects a CO episode after the storm', () => {
    expect(out.alarmsRaised).toBe(out.alarmsExpected);
    expect(out.alarmsDuplicated).toBe(0);
    expect(out.details.alarms.filter((a) => a.rule === 'kitchen-methane').map((a) => `${a.device}/${a.channel}×${a.n}`)).toEqual(['gas-01/ch4×1', 'gas-02/ch4×1', 'gas-03/ch4×1', 'gas-04/ch4×1']);
    expect(out.details.alarms.filter((a) => a.rule === 'kitchen-co-high').map((a) => `${a.device}/${a.channel}×${a.n}`)).toEqual(['gas-01/co×1']);
    expect(out.recoverMs).not.toBeNull();
    expect(out.details.healthz).toBe(200);
  });

  it('refuses every hostile topic by dropping the connection, and routes or takes nothing from them', () => {
    expect(out.details.topicRefused).toBe(out.details.topicAttacks);
    expect(out.details.topicLeaked).toBe(0);
  });

  it('leaves Object.prototype untouched', () => {
    expect(out.details.prototypeClean).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it(`keeps memory bounded: heap growth after GC under ${HEAP_GROWTH_MIB} MiB, RSS peak growth under ${RSS_PEAK_GROWTH_MIB} MiB`, () => {
    const { before, after, peakRssMiB } = out.details.memory;
    expect(after.heapMiB - before.heapMiB).toBeLessThan(HEAP_GROWTH_MIB);
    expect(peakRssMiB - before.rssMiB).toBeLessThan(RSS_PEAK_GROWTH_MIB);
  });
});
