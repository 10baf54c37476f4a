// The moves held while the state database refuses alarm saves: per alarm and in order,
// bounded by folding a flapping alarm's oldest moves and giving up the alarm waiting longest.

import { describe, expect, it } from 'vitest';
import { applyLevel, raiseAlarm, type Alarm, type Outcome } from '../../../gateway/src/alarms/lifecycle.js';
import { isDatabaseWriteFault, isDiskFull, PendingSaves, type AlarmMove } from '../../../gateway/src/alarms/pending-saves.js';

const T0 = 1_800_000_000_000;

function raise(id: string, atMs = T0): Outcome {
  return raiseAlarm({ id, site: 'k1', device: `gas-${id}`, channel: 'ch4', quantity: 'methane_lel', ruleId: 'r', level: 'red', value: 70, atMs });
}
const move = (o: Outcome): AlarmMove => ({ alarm: o.next, events: o.events });

describe('PendingSaves', () => {
  it('keeps each alarm its moves in order, the newest alarm state last, with the original raise time', () => {
    const p = new PendingSaves();
    const raised = raise('a');
    const cleared = applyLevel(raised.next, null, 2, T0 + 5000);
    p.hold(move(raised), T0);
    p.hold(move(cleared), T0 + 5000);
    expect(p.size).toBe(1);
    expect(p.moves('a').map((m) => m.events.map((e) => e.kind))).toEqual([['raised'], ['cleared']]);
    expect(p.latest('a')).toMatchObject({ state: 'cleared_unacked', raisedAtMs: T0, clearedAtMs: T0 + 5000 });
    expect(p.summary(T0 + 7000)).toMatchObject({ alarms: 1, moves: 2, oldestAgeMs: 7000 });
    p.saved('a');
    expect(p.size).toBe(0);
    expect(p.moves('a')).toEqual([]);
    expect(p.latest('a')).toBeUndefined();
  });

  it('folds the oldest moves of a flapping alarm past the per-alarm bound, losing no event', () => {
    const p = new PendingSaves({ alarms: 10, movesPerAlarm: 3 });
    let a: Alarm = raise('f').next;
    p.hold({ alarm: a, events: raise('f').events }, T0);
    for (let i = 1; i <= 5; i++) {
      const o = applyLevel(a, i % 2 ? 'orange' : 'red', 50 + i, T0 + i * 1000);
      a = o.next;
      p.hold(move(o), T0 + i * 1000);
    }
    const moves = p.moves('f');
    expect(moves).toHaveLength(3);
    expect(moves.flatMap((m) => m.events.map((e) => e.kind))).toEqual(['raised', 'deescalated', 'escalated', 'deescalated', 'escalated', 'deescalated']);
    expect(moves[2]!.alarm).toBe(a);
  });

  it('gives up the alarm waiting longest when the alarm bound is reached, and says which', () => {
    const p = new PendingSaves({ alarms: 2, movesPerAlarm: 8 });
    expect(p.hold(move(raise('x')), T0)).toBeUndefined();
    expect(p.hold(move(raise('y')), T0 + 1)).toBeUndefined();
    const given = p.hold(move(raise('z')), T0 + 2);
    expect(given?.id).toBe('x');
    expect(p.all().map((h) => h.id)).toEqual(['y', 'z']);
  });

  it('tells a whole-database write fault and a full disk from other errors', () => {
    expect(isDiskFull({ code: 'SQLITE_FULL' })).toBe(true);
    expect(isDatabaseWriteFault({ code: 'SQLITE_FULL' })).toBe(true);
    expect(isDatabaseWriteFault({ code: 'SQLITE_IOERR_WRITE' })).toBe(true);
    expect(isDatabaseWriteFault({ code: 'SQLITE_CONSTRAINT_TRIGGER' })).toBe(false);
    expect(isDiskFull(new Error('boom'))).toBe(false);
    expect(isDatabaseWriteFault(null)).toBe(false);
  });
});
