// Clock trouble: device timestamps far in the future or past are dead-lettered with
// their reason while in-range ones pass; the gateway's own clock stepping forward by hours, back,
// and forward by minutes neither fires nor clears stale-sensor alarms; real silence still does.

import { beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_SUITE, runClockTrouble, type ClockOutcome } from './support/hostile-scenarios.js';

describe('clock trouble on the running gateway', () => {
  let out: ClockOutcome;

  beforeAll(async () => {
    out = await runClockTrouble(CLOCK_SUITE);
    process.stderr.write(`[clock] ${JSON.stringify(out)}\n`);
  }, 120_000);

  it('dead-letters device timestamps far in the future or past with their reason and takes the in-range ones', () => {
    expect(out.details.deadLetters).toEqual(out.details.outOfRangeSent);
    expect(out.details.inRangeTaken).toBe(2);
    expect(out.details.outOfRangeTaken).toBe(0);
    expect(out.lost).toBe(0);
    expect(out.stored).toBe(out.published);
  });

  it('raises no stale alarm for a reporting device when the gateway clock steps forward by hours, back, or forward by minutes', () => {
    expect(out.details.wrongRaises).toEqual({ steady: [], forward: [], backward: [], 'small-forward': [] });
  });

  it('still raises stale for a device that really went silent, after its period and not at the step', () => {
    expect(out.details.silentToAlarmMs).not.toBeNull();
    expect(out.details.silentToAlarmMs!).toBeGreaterThanOrEqual(3000);
    expect(out.details.silentToAlarmMs!).toBeLessThan(3000 + 2500);
  });

  it('keeps that alarm through the backward step and clears it only when the device reports again', () => {
    expect(out.details.silentAfterBackStep).toBe('ch4:active_unacked co:active_unacked');
    expect(out.details.silentAfterResume).toBe('ch4:cleared_unacked co:cleared_unacked');
    expect(out.alarmsRaised).toBe(out.alarmsExpected);
    expect(out.alarmsDuplicated).toBe(0);
  });

  it('never records that alarm cleared before it was raised, though it was raised hours ahead and cleared after the step back', () => {
    const cleared = out.details.stale.filter((a) => a.clearedAtMs !== null);
    expect(cleared.map((a) => a.channel).sort()).toEqual(['ch4', 'co']);
    for (const a of cleared) expect(a.clearedAtMs!).toBeGreaterThanOrEqual(a.raisedAtMs);
  });
});
