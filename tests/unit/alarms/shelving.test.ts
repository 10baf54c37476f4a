// Shelving in the pure lifecycle (ISA-18.2): bounded, with a reason, never red, ended by an
// officer, by its own expiry, or by a rise above the level at which it was shelved.

import { describe, expect, it } from 'vitest';
import { acknowledge, applyLevel, expireShelf, isShelved, raiseAlarm, shelveAlarm, unshelveAlarm, type Alarm, type Outcome } from '../../../gateway/src/alarms/lifecycle.js';
import type { Level } from '../../../gateway/src/contract/levels.js';
import { deepFreeze } from '../../support/freeze.js';

const T0 = 1_700_000_000_000;
const H = 3_600_000;
const MAX = 8 * H;

function raised(level: Level = 'yellow'): Alarm {
  return deepFreeze(raiseAlarm({ id: 'a1', site: 'k1', device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'r', level, value: 30, atMs: T0 }).next);
}

function ok(outcome: Outcome): Alarm {
  expect(outcome.rejected).toBeUndefined();
  return deepFreeze(outcome.next);
}

const req = (over: Partial<Parameters<typeof shelveAlarm>[1]> = {}) => ({ by: 'officer-li', reason: 'detector being recalibrated', untilMs: T0 + 2 * H, atMs: T0 + 1000, maxMs: MAX, ...over });

describe('shelveAlarm', () => {
  it('shelves an active alarm with who, why, until and the level it was shelved at', () => {
    const out = shelveAlarm(raised('orange'), req());
    expect(out.next).toMatchObject({ shelvedUntilMs: T0 + 2 * H, shelvedBy: 'officer-li', shelveReason: 'detector being recalibrated', shelvedLevel: 'orange', state: 'active_unacked' });
    expect(out.events).toEqual([
      { alarmId: 'a1', kind: 'shelved', fromLevel: 'orange', toLevel: 'orange', state: 'active_unacked', value: null, atMs: T0 + 1000, actor: 'officer-li', note: `until ${new Date(T0 + 2 * H).toISOString()}: detector being recalibrated` },
    ]);
    expect(isShelved(out.next, T0 + 2 * H - 1)).toBe(true);
    expect(isShelved(out.next, T0 + 2 * H)).toBe(false);
  });

  it.each([
    ['a blank reason', { reason: '  ' }, 'REASON_REQUIRED'],
    ['an expiry now', { untilMs: T0 + 1000 }, 'UNTIL_NOT_FUTURE'],
    ['an expiry in the past', { untilMs: T0 }, 'UNTIL_NOT_FUTURE'],
    ['a non-finite expiry', { untilMs: Number.POSITIVE_INFINITY }, 'UNTIL_NOT_FUTURE'],
    ['one millisecond over the maximum', { untilMs: T0 + 1000 + MAX + 1 }, 'TOO_LONG'],
  ] as const)('refuses %s', (_what, over, rejected) => {
    const a = raised();
    expect(shelveAlarm(a, req(over))).toEqual({ next: a, events: [], rejected });
  });

  it('accepts exactly the maximum', () => {
    expect(shelveAlarm(raised(), req({ untilMs: T0 + 1000 + MAX })).rejected).toBeUndefined();
  });

  it('refuses to shelve red: it stops work and must be seen', () => {
    expect(shelveAlarm(raised('red'), req()).rejected).toBe('RED_NOT_SHELVABLE');
  });

  it('refuses a cleared alarm (nothing left to silence)', () => {
    const cleared = ok(applyLevel(raised(), null, 2, T0 + 10));
    expect(shelveAlarm(cleared, req()).rejected).toBe('NOT_ACTIVE');
  });
});

describe('ending a shelf', () => {
  const shelved = () => ok(shelveAlarm(raised('yellow'), req()));

  it('unshelves by an officer, recording who', () => {
    const out = unshelveAlarm(shelved(), 'officer-wang', T0 + 5000, 'recalibrated');
    expect(out.next).toMatchObject({ shelvedUntilMs: null, shelvedBy: null, shelveReason: null, shelvedLevel: null });
    expect(out.events).toEqual([{ alarmId: 'a1', kind: 'unshelved', fromLevel: 'yellow', toLevel: 'yellow', state: 'active_unacked', value: null, atMs: T0 + 5000, actor: 'officer-wang', note: 'recalibrated' }]);
  });

  it('refuses to unshelve an alarm that is not shelved', () => {
    expect(unshelveAlarm(raised(), 'x', T0 + 1).rejected).toBe('NOT_SHELVED');
  });

  it('expires by itself at the shelf time, not a millisecond before', () => {
    const a = shelved();
    expect(expireShelf(a, T0 + 2 * H - 1)).toEqual({ next: a, events: [] });
    const out = expireShelf(a, T0 + 2 * H);
    expect(out.next.shelvedUntilMs).toBeNull();
    expect(out.events).toMatchObject([{ kind: 'unshelved', actor: null, note: 'shelf expired', atMs: T0 + 2 * H }]);
  });

  it('records escalation while shelved, and a rise above the shelved level ends the shelf', () => {
    const out = applyLevel(shelved(), 'orange', 55, T0 + 9000);
    expect(out.next).toMatchObject({ level: 'orange', shelvedUntilMs: null, shelvedLevel: null, state: 'active_unacked' });
    expect(out.events.map((e) => `${e.kind}:${e.actor}:${e.note}`)).toEqual(['escalated:null:null', 'unshelved:null:risen to orange above the shelved level yellow']);
  });

  it('keeps the shelf through a fall and a return to the shelved level', () => {
    const orange = ok(applyLevel(raised('yellow'), 'orange', 55, T0 + 1));
    let a = ok(shelveAlarm(orange, req()));
    a = ok(applyLevel(a, 'yellow', 30, T0 + 2000));
    a = ok(applyLevel(a, 'orange', 56, T0 + 3000));
    expect(a.shelvedLevel).toBe('orange');
    expect(isShelved(a, T0 + 3000)).toBe(true);
  });

  it('keeps the shelf through clearing and acknowledgement (it ends by expiry)', () => {
    let a = ok(applyLevel(shelved(), null, 2, T0 + 2000));
    a = ok(acknowledge(a, 'officer-li', T0 + 3000));
    expect(a).toMatchObject({ state: 'cleared', shelvedUntilMs: T0 + 2 * H });
  });
});
