// The climb and the reminders as a pure function of the clock: no step early, none missed.

import { describe, expect, it } from 'vitest';
import { dueSteps, type EscalationInput, type StepRecord } from '../../../gateway/src/notify/escalation.js';

const red: EscalationInput = {
  level: 'red',
  chain: ['duty', 'leader', 'onCall'],
  policy: { climbAfterS: [120, 300], remindEveryS: 60 },
  sinceMs: 1_000_000,
  steps: [],
};

/** Drives dueSteps second by second as the service would, recording each step at the tick. */
function run(input: EscalationInput, untilS: number): (StepRecord & { atS: number })[] {
  const steps: StepRecord[] = [];
  for (let s = 0; s <= untilS; s++) {
    const now = input.sinceMs + s * 1000;
    for (const d of dueSteps({ ...input, steps }, now)) steps.push({ kind: d.kind, tier: d.tier, atMs: now });
  }
  return steps.map((x) => ({ ...x, atS: (x.atMs - input.sinceMs) / 1000 }));
}

describe('escalation steps', () => {
  it('climbs at exactly 2 and 5 minutes and reminds the reached tier every minute between', () => {
    const steps = run(red, 420).map((s) => `${s.atS}:${s.kind}:${s.tier}`);
    expect(steps).toEqual(['60:reminder:duty', '120:escalation:leader', '180:reminder:leader', '240:reminder:leader', '300:escalation:onCall', '360:reminder:onCall', '420:reminder:onCall']);
  });

  it('takes nothing one millisecond early', () => {
    expect(dueSteps(red, red.sinceMs + 59_999)).toEqual([]);
    expect(dueSteps({ ...red, steps: [{ kind: 'reminder', tier: 'duty', atMs: red.sinceMs + 60_000 }] }, red.sinceMs + 119_999)).toEqual([]);
  });

  it('misses no climb when the clock jumps past several, and sends one reminder, not a burst', () => {
    expect(dueSteps(red, red.sinceMs + 3_600_000)).toEqual([
      { kind: 'escalation', tier: 'leader', dueMs: red.sinceMs + 120_000 },
      { kind: 'escalation', tier: 'onCall', dueMs: red.sinceMs + 300_000 },
    ]);
    const climbed: StepRecord[] = [
      { kind: 'escalation', tier: 'leader', atMs: red.sinceMs + 3_600_000 },
      { kind: 'escalation', tier: 'onCall', atMs: red.sinceMs + 3_600_000 },
    ];
    expect(dueSteps({ ...red, steps: climbed }, red.sinceMs + 7_200_000)).toEqual([{ kind: 'reminder', tier: 'onCall', dueMs: red.sinceMs + 3_660_000 }]);
  });

  it('stops at the top of a shorter chain and does nothing without a policy', () => {
    const orange = { ...red, level: 'orange' as const, chain: ['duty', 'leader'] as const, policy: { climbAfterS: [120, 300], remindEveryS: 0 } };
    expect(run(orange, 1000).map((s) => `${s.atS}:${s.tier}`)).toEqual(['120:leader']);
    expect(run({ ...red, policy: { climbAfterS: [], remindEveryS: 0 } }, 1000)).toEqual([]);
  });
});
