// retireAlarm: the close of an alarm whose device left the fleet, from every open state.

import { describe, expect, it } from 'vitest';
import { acknowledge, applyLevel, isOpen, raiseAlarm, shelveAlarm, retireAlarm, type Alarm } from '../../../gateway/src/alarms/lifecycle.js';
import { deepFreeze } from '../../support/freeze.js';

const T0 = 1_700_000_000_000;
const NOTE = 'device removed from the registry';
const raised = (): Alarm => deepFreeze(raiseAlarm({ id: 'a1', site: 's', device: 'gas-7', channel: 'ch4', quantity: 'methane_lel', ruleId: 'r1', level: 'orange', value: 30, atMs: T0 }).next);

describe('retireAlarm', () => {
  it('clears then closes an active alarm, both events carrying the note and the registry as actor, no acknowledgement', () => {
    const out = retireAlarm(raised(), 'registry', NOTE, T0 + 5000);
    expect(out.rejected).toBeUndefined();
    expect(out.next).toMatchObject({ state: 'closed', closedBy: 'registry', closeNote: NOTE, clearedAtMs: T0 + 5000, closedAtMs: T0 + 5000, ackedBy: null });
    expect(out.events.map((e) => [e.kind, e.state, e.actor, e.note])).toEqual([
      ['cleared', 'cleared_unacked', 'registry', NOTE],
      ['closed', 'closed', 'registry', NOTE],
    ]);
    expect(isOpen(out.next)).toBe(false);
  });

  it('closes a cleared orange alarm still awaiting its acknowledgement or its sign-off', () => {
    const unacked = deepFreeze(applyLevel(raised(), null, 2, T0 + 1000).next);
    const signOff = deepFreeze(acknowledge(unacked, 'zhou', T0 + 2000).next);
    for (const a of [unacked, signOff]) {
      const out = retireAlarm(a, 'registry', NOTE, T0 + 3000);
      expect(out.events.map((e) => e.kind)).toEqual(['closed']);
      expect(out.next.state).toBe('closed');
      expect(out.next.clearedAtMs).toBe(T0 + 1000);
    }
  });

  it('ends a shelf with the close, and refuses an alarm already closed', () => {
    const shelved = deepFreeze(shelveAlarm(raised(), { by: 'zhou', reason: 'nuisance', untilMs: T0 + 60_000, atMs: T0 + 1000, maxMs: 3_600_000 }).next);
    const out = retireAlarm(shelved, 'registry', NOTE, T0 + 2000);
    expect(out.next.shelvedUntilMs).toBeNull();
    expect(retireAlarm(out.next, 'registry', NOTE, T0 + 3000).rejected).toBe('ALREADY_CLOSED');
  });
});
