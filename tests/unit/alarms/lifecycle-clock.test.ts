// Lifecycle times under a gateway clock that steps backwards: every
// stamp of an alarm, on the row and on its events, is monotonic, so nothing is cleared,
// acknowledged, shelved or closed before it was raised.

import { describe, expect, it } from 'vitest';
import { acknowledge, applyLevel, closeAlarm, expireShelf, raiseAlarm, shelveAlarm, unshelveAlarm, type Alarm, type AlarmEvent, type Outcome } from '../../../gateway/src/alarms/lifecycle.js';
import { deepFreeze } from '../../support/freeze.js';

const T0 = 1_800_000_000_000;
const H = 3_600_000;

/** A gateway clock that a test moves by hand, backwards as well as forwards. */
function steppingClock(startMs: number): { now: () => number; step: (ms: number) => void } {
  let nowMs = startMs;
  return { now: () => nowMs, step: (ms) => void (nowMs += ms) };
}

function ok(outcome: Outcome, trail: AlarmEvent[]): Alarm {
  expect(outcome.rejected).toBeUndefined();
  trail.push(...outcome.events);
  return deepFreeze(outcome.next);
}

const stamps = (a: Alarm): number[] => [a.raisedAtMs, a.clearedAtMs, a.ackedAtMs, a.closedAtMs].filter((t): t is number => t !== null);

describe('alarm times under a backward clock step', () => {
  it('never clears, acknowledges or closes an alarm before it was raised, on the row or its events', () => {
    const clock = steppingClock(T0);
    const trail: AlarmEvent[] = [];
    let a = ok(raiseAlarm({ id: 'stale-1', site: 'k1', device: 'gas-03', channel: 'ch4', quantity: 'methane_lel', ruleId: 'stale', level: 'orange', value: 0, atMs: clock.now() }), trail);
    clock.step(-3 * H); // the gateway clock goes back by hours
    a = ok(applyLevel(a, null, 1, clock.now()), trail);
    expect(a.clearedAtMs).toBe(T0);
    clock.step(200_000); // then forward by minutes, still before the raise
    a = ok(acknowledge(a, 'officer-li', clock.now()), trail);
    a = ok(closeAlarm(a, 'officer-li', 'detector cable replaced', clock.now()), trail);
    expect(a).toMatchObject({ state: 'closed', raisedAtMs: T0, clearedAtMs: T0, ackedAtMs: T0, closedAtMs: T0, updatedAtMs: T0 });
    for (const t of stamps(a)) expect(t).toBeGreaterThanOrEqual(a.raisedAtMs);
    const times = trail.map((e) => e.atMs);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(Math.min(...times)).toBe(T0);
  });

  it('keeps the real time once the clock is past the last move again', () => {
    const clock = steppingClock(T0);
    const trail: AlarmEvent[] = [];
    let a = ok(raiseAlarm({ id: 'a2', site: 'k1', device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'r', level: 'yellow', value: 30, atMs: clock.now() }), trail);
    clock.step(-H);
    a = ok(applyLevel(a, 'red', 70, clock.now()), trail); // escalation stamped at the raise, not an hour before it
    expect(a.updatedAtMs).toBe(T0);
    clock.step(2 * H);
    a = ok(applyLevel(a, null, 2, clock.now()), trail);
    expect(a.clearedAtMs).toBe(T0 + H);
    expect(trail.map((e) => [e.kind, e.atMs - T0])).toEqual([
      ['raised', 0],
      ['escalated', 0],
      ['cleared', H],
    ]);
  });

  it('stamps shelving and its end no earlier than the last move, while the expiry still follows the clock', () => {
    const clock = steppingClock(T0);
    const trail: AlarmEvent[] = [];
    let a = ok(raiseAlarm({ id: 'a3', site: 'k1', device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'r', level: 'yellow', value: 30, atMs: clock.now() }), trail);
    clock.step(-10 * 60_000);
    a = ok(shelveAlarm(a, { by: 'officer-li', reason: 'recalibration', untilMs: clock.now() + H, atMs: clock.now(), maxMs: 8 * H }), trail);
    expect(a.shelvedUntilMs).toBe(T0 - 10 * 60_000 + H); // the shelf's length is the officer's, from the clock
    expect(trail[1]!.atMs).toBe(T0);
    expect(expireShelf(a, clock.now()).events).toEqual([]); // not yet due
    a = ok(unshelveAlarm(a, 'officer-li', clock.now()), trail);
    expect(trail[2]!.atMs).toBe(T0);
    expect(a.updatedAtMs).toBe(T0);
  });
});
