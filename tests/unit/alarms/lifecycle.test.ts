// The alarm lifecycle (ISA-18.2) as a table of moves: every legal move, every refusal, and proof
// that no input is mutated (inputs are deep-frozen, so a write would throw in strict mode).

import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  applyLevel,
  closeAlarm,
  isOpen,
  needsRectification,
  raiseAlarm,
  type Alarm,
  type AlarmState,
  type Outcome,
} from '../../../gateway/src/alarms/lifecycle.js';
import type { Level } from '../../../gateway/src/contract/levels.js';
import { deepFreeze } from '../../support/freeze.js';

const T0 = 1_700_000_000_000;

function raised(level: Level = 'yellow', value = 30): Alarm {
  return deepFreeze(
    raiseAlarm({ id: 'a1', site: 'mine-3', device: 'gas-7', channel: 'ch1', quantity: 'ch4_lel', ruleId: 'r1', level, value, atMs: T0 }).next,
  );
}

/** Runs a move and freezes its result, so the next move in a chain also proves it does not mutate. */
function step(outcome: Outcome): Alarm {
  expect(outcome.rejected).toBeUndefined();
  return deepFreeze(outcome.next);
}

/** An alarm driven to a given state through legal moves only, at the given peak level. */
function inState(state: AlarmState, peak: Level = 'yellow'): Alarm {
  let a = raised(peak, 60);
  if (state === 'active_acked' || state === 'cleared') a = step(acknowledge(a, 'zhang', T0 + 1000));
  if (state === 'cleared_unacked' || state === 'cleared') a = step(applyLevel(a, null, 5, T0 + 2000));
  if (state === 'closed') {
    a = step(acknowledge(a, 'zhang', T0 + 1000));
    a = step(applyLevel(a, null, 5, T0 + 2000));
    a = step(closeAlarm(a, 'li', 'ventilation restored, leak at flange 4 sealed', T0 + 3000));
  }
  expect(a.state).toBe(state);
  return a;
}

describe('raiseAlarm', () => {
  it('raises an unacknowledged active alarm with its level as the peak', () => {
    const out = raiseAlarm({ id: 'a1', site: 's', device: 'd', channel: 'c', quantity: 'ch4_lel', ruleId: 'r', level: 'orange', value: 52, atMs: T0 });
    expect(out.rejected).toBeUndefined();
    expect(out.next).toMatchObject({ state: 'active_unacked', level: 'orange', peakLevel: 'orange', value: 52, peakValue: 52, raisedAtMs: T0, updatedAtMs: T0 });
    expect(out.next).toMatchObject({ clearedAtMs: null, ackedAtMs: null, ackedBy: null, closedAtMs: null, closedBy: null, closeNote: null });
    expect(out.events).toEqual([{ alarmId: 'a1', kind: 'raised', fromLevel: null, toLevel: 'orange', state: 'active_unacked', value: 52, atMs: T0, actor: null, note: null }]);
  });
});

describe('applyLevel', () => {
  it('escalates to a higher level and raises peak level and peak value', () => {
    const out = applyLevel(raised('yellow', 30), 'red', 80, T0 + 10);
    expect(out.next).toMatchObject({ level: 'red', peakLevel: 'red', value: 80, peakValue: 80, state: 'active_unacked', updatedAtMs: T0 + 10 });
    expect(out.events).toEqual([{ alarmId: 'a1', kind: 'escalated', fromLevel: 'yellow', toLevel: 'red', state: 'active_unacked', value: 80, atMs: T0 + 10, actor: null, note: null }]);
  });

  it('re-alarms on escalation after an ack: back to active_unacked, the old ack no longer counts', () => {
    const acked = inState('active_acked', 'yellow');
    const out = applyLevel(acked, 'orange', 55, T0 + 5000);
    expect(out.next).toMatchObject({ state: 'active_unacked', level: 'orange', ackedAtMs: null, ackedBy: null });
    expect(out.events[0]).toMatchObject({ kind: 'escalated', state: 'active_unacked' });
    expect(acknowledge(deepFreeze(out.next), 'wang', T0 + 6000).next.state).toBe('active_acked');
  });

  it('keeps the peak on de-escalation and lowers only the current level', () => {
    const red = step(applyLevel(raised('yellow', 30), 'red', 80, T0 + 10));
    const out = applyLevel(red, 'yellow', 28, T0 + 20);
    expect(out.next).toMatchObject({ level: 'yellow', value: 28, peakLevel: 'red', peakValue: 80, state: 'active_unacked' });
    expect(out.events).toEqual([{ alarmId: 'a1', kind: 'deescalated', fromLevel: 'red', toLevel: 'yellow', state: 'active_unacked', value: 28, atMs: T0 + 20, actor: null, note: null }]);
  });

  it('keeps the ack on de-escalation', () => {
    const acked = step(acknowledge(raised('orange', 55), 'zhang', T0 + 1));
    const out = applyLevel(acked, 'blue', 12, T0 + 2);
    expect(out.next).toMatchObject({ state: 'active_acked', ackedBy: 'zhang', ackedAtMs: T0 + 1, level: 'blue', peakLevel: 'orange' });
  });

  it('keeps the peak value when climbing back to, but not above, the peak level', () => {
    let a = step(applyLevel(raised('yellow', 30), 'red', 80, T0 + 1));
    a = step(applyLevel(a, 'yellow', 30, T0 + 2));
    const out = applyLevel(a, 'red', 60, T0 + 3);
    expect(out.next).toMatchObject({ level: 'red', value: 60, peakLevel: 'red', peakValue: 80 });
  });

  it('returns the same object and no events for the same level', () => {
    const a = raised('yellow', 30);
    const out = applyLevel(a, 'yellow', 31, T0 + 1);
    expect(out.next).toBe(a);
    expect(out.events).toEqual([]);
    expect(out.rejected).toBeUndefined();
  });

  it('clears an unacknowledged alarm to cleared_unacked, keeping its last level', () => {
    const out = applyLevel(raised('yellow', 30), null, 3, T0 + 50);
    expect(out.next).toMatchObject({ state: 'cleared_unacked', level: 'yellow', value: 3, clearedAtMs: T0 + 50 });
    expect(out.events).toEqual([{ alarmId: 'a1', kind: 'cleared', fromLevel: 'yellow', toLevel: null, state: 'cleared_unacked', value: 3, atMs: T0 + 50, actor: null, note: null }]);
  });

  it('clears an acknowledged alarm to cleared, stamped no earlier than the ack', () => {
    // The reading (T0 + 50) is older than the ack (T0 + 1000): the clear cannot precede it.
    const out = applyLevel(inState('active_acked'), null, 3, T0 + 50);
    expect(out.next).toMatchObject({ state: 'cleared', clearedAtMs: T0 + 1000, ackedBy: 'zhang' });
    expect(out.events[0]).toMatchObject({ kind: 'cleared', state: 'cleared' });
  });

  it.each<AlarmState>(['cleared_unacked', 'cleared', 'closed'])('refuses NOT_ACTIVE on a %s alarm (a new episode is a new alarm)', (state) => {
    const a = inState(state);
    for (const to of ['red', 'yellow', null] as const) {
      const out = applyLevel(a, to, 90, T0 + 9000);
      expect(out).toEqual({ next: a, events: [], rejected: 'NOT_ACTIVE' });
      expect(out.next).toBe(a);
    }
  });
});

describe('acknowledge', () => {
  it('acks an active alarm: active_unacked → active_acked, with actor and note', () => {
    const out = acknowledge(raised('orange', 55), 'zhang', T0 + 100, 'on my way');
    expect(out.next).toMatchObject({ state: 'active_acked', ackedAtMs: T0 + 100, ackedBy: 'zhang', updatedAtMs: T0 + 100 });
    expect(out.events).toEqual([{ alarmId: 'a1', kind: 'acked', fromLevel: 'orange', toLevel: 'orange', state: 'active_acked', value: null, atMs: T0 + 100, actor: 'zhang', note: 'on my way' }]);
  });

  it('acks a cleared alarm: cleared_unacked → cleared, note optional', () => {
    const out = acknowledge(inState('cleared_unacked'), 'zhang', T0 + 9000);
    expect(out.next).toMatchObject({ state: 'cleared', ackedBy: 'zhang' });
    expect(out.events[0]).toMatchObject({ kind: 'acked', state: 'cleared', actor: 'zhang', note: null });
  });

  it.each<AlarmState>(['active_acked', 'cleared'])('refuses a repeated ack on a %s alarm with ALREADY_ACKED', (state) => {
    const a = inState(state);
    expect(acknowledge(a, 'wang', T0 + 9000)).toEqual({ next: a, events: [], rejected: 'ALREADY_ACKED' });
  });

  it('refuses an ack on a closed alarm with ALREADY_CLOSED', () => {
    const a = inState('closed', 'red');
    expect(acknowledge(a, 'wang', T0 + 9000)).toEqual({ next: a, events: [], rejected: 'ALREADY_CLOSED' });
  });
});

describe('closeAlarm (整改销号)', () => {
  it('closes a cleared red alarm with a rectification note', () => {
    const a = inState('cleared', 'red');
    const out = closeAlarm(a, 'li', '  flange 4 resealed, LEL 0 for 30 min  ', T0 + 9000);
    expect(out.next).toMatchObject({ state: 'closed', closedAtMs: T0 + 9000, closedBy: 'li', closeNote: 'flange 4 resealed, LEL 0 for 30 min' });
    expect(out.events).toEqual([
      { alarmId: 'a1', kind: 'closed', fromLevel: 'red', toLevel: 'red', state: 'closed', value: null, atMs: T0 + 9000, actor: 'li', note: 'flange 4 resealed, LEL 0 for 30 min' },
    ]);
  });

  it.each<[Level, string]>([
    ['orange', ''],
    ['red', '   '],
    ['red', '\n\t'],
  ])('refuses to close a %s-peak alarm without a note (%j) with NOTE_REQUIRED', (peak, note) => {
    const a = inState('cleared', peak);
    expect(closeAlarm(a, 'li', note, T0 + 9000)).toEqual({ next: a, events: [], rejected: 'NOTE_REQUIRED' });
  });

  it('needs the note for an alarm that peaked red even after it de-escalated to blue', () => {
    let a = step(applyLevel(raised('blue', 10), 'red', 80, T0 + 1));
    a = step(applyLevel(a, 'blue', 10, T0 + 2));
    a = step(acknowledge(a, 'zhang', T0 + 3));
    a = step(applyLevel(a, null, 0, T0 + 4));
    expect(closeAlarm(a, 'li', '', T0 + 5).rejected).toBe('NOTE_REQUIRED');
  });

  it.each<Level>(['blue', 'yellow'])('closes a cleared %s alarm without a note', (peak) => {
    const out = closeAlarm(inState('cleared', peak), 'li', '', T0 + 9000);
    expect(out.rejected).toBeUndefined();
    expect(out.next).toMatchObject({ state: 'closed', closeNote: null, closedBy: 'li' });
    expect(out.events[0]).toMatchObject({ kind: 'closed', note: null });
  });

  it.each<AlarmState>(['active_unacked', 'active_acked'])('refuses to close a %s alarm with STILL_ACTIVE', (state) => {
    const a = inState(state, 'red');
    expect(closeAlarm(a, 'li', 'done', T0 + 9000)).toEqual({ next: a, events: [], rejected: 'STILL_ACTIVE' });
  });

  it('refuses to close a cleared but unacknowledged alarm with NOT_CLOSABLE_YET', () => {
    const a = inState('cleared_unacked', 'red');
    expect(closeAlarm(a, 'li', 'done', T0 + 9000)).toEqual({ next: a, events: [], rejected: 'NOT_CLOSABLE_YET' });
  });

  it('refuses to close a closed alarm with ALREADY_CLOSED', () => {
    const a = inState('closed', 'red');
    expect(closeAlarm(a, 'li', 'again', T0 + 9000)).toEqual({ next: a, events: [], rejected: 'ALREADY_CLOSED' });
  });
});

describe('isOpen and needsRectification', () => {
  it.each<[AlarmState, Level, boolean]>([
    ['active_unacked', 'blue', true],
    ['active_acked', 'yellow', true],
    ['cleared_unacked', 'yellow', true],
    ['cleared', 'blue', false],
    ['cleared', 'yellow', false],
    ['cleared', 'orange', true],
    ['cleared', 'red', true],
    ['closed', 'red', false],
    ['closed', 'blue', false],
  ])('a %s alarm that peaked %s is open: %s', (state, peak, open) => {
    expect(isOpen(inState(state, peak))).toBe(open);
  });

  it.each<[Level, boolean]>([
    ['blue', false],
    ['yellow', false],
    ['orange', true],
    ['red', true],
  ])('%s needs rectification: %s', (level, needed) => {
    expect(needsRectification(level)).toBe(needed);
  });
});

describe('inputs are never mutated', () => {
  it('leaves a frozen alarm unchanged through a whole episode', () => {
    const first = raised('yellow', 30);
    const snapshot = structuredClone(first);
    let a = step(applyLevel(first, 'red', 80, T0 + 1));
    a = step(acknowledge(a, 'zhang', T0 + 2));
    a = step(applyLevel(a, 'orange', 55, T0 + 3));
    a = step(applyLevel(a, null, 2, T0 + 4));
    a = step(closeAlarm(a, 'li', 'sealed', T0 + 5));
    expect(first).toEqual(snapshot);
    expect(a.state).toBe('closed');
  });
});

describe('updatedAtMs', () => {
  it('never goes backwards when an act at gateway time follows a move stamped at (later) device time', () => {
    const raised = raiseAlarm({ id: 'a-clock', site: 's', device: 'd', channel: 'ch4', quantity: 'methane_lel', ruleId: 'r', level: 'yellow', value: 30, atMs: 10_000 });
    const acked = acknowledge(raised.next, 'officer', 4_000);
    // Clock trouble: an ack is never recorded before the alarm it acknowledges.
    expect(acked.next.ackedAtMs).toBe(10_000);
    expect(acked.events[0]!.atMs).toBe(10_000);
    expect(acked.next.updatedAtMs).toBe(10_000);
    const risen = applyLevel(acked.next, 'orange', 40, 12_000);
    expect(risen.next.updatedAtMs).toBe(12_000);
  });
});
