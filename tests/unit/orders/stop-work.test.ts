// The stop-work order (停产停工令) state machine: issue, acks, retry timing, restart, lift.
// Inputs are deep-frozen, so any mutation inside the module would throw.

import { describe, expect, it } from 'vitest';
import type { Level } from '../../../gateway/src/contract/levels.js';
import {
  actionFor,
  isEnforced,
  issueOrder,
  liftOrder,
  onCommandAck,
  onTick,
  resumeAfterRestart,
  type OrderOutcome,
  type StopWorkOrder,
} from '../../../gateway/src/orders/stop-work.js';
import { deepFreeze } from '../../support/freeze.js';

const T0 = 1_700_000_000_000;
const POLICY = deepFreeze({ ackTimeoutMs: 5000, maxAttempts: 3 });

function issued(): StopWorkOrder {
  return deepFreeze(
    issueOrder({
      id: 'o1',
      site: 'mine-3',
      alarmId: 'a1',
      reason: 'CH4 80 %LEL at gas-7',
      atMs: T0,
      actuators: [
        { commandId: 'c-valve', device: 'valve-1', action: 'close' },
        { commandId: 'c-fan', device: 'fan-1', action: 'fan_on' },
      ],
    }).next,
  );
}

function step(outcome: OrderOutcome): StopWorkOrder {
  expect(outcome.rejected).toBeUndefined();
  return deepFreeze(outcome.next);
}

const ok = (commandId: string, atMs = T0 + 100) => ({ commandId, ok: true, state: 'done', atMs });

function command(order: StopWorkOrder, id: string) {
  const found = order.commands.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no command ${id}`);
  return found;
}

describe('issueOrder', () => {
  it('publishes the active order, then sends one command per actuator, each sent once', () => {
    const out = issueOrder({
      id: 'o1',
      site: 'mine-3',
      alarmId: 'a1',
      reason: 'CH4',
      atMs: T0,
      actuators: deepFreeze([
        { commandId: 'c-valve', device: 'valve-1', action: 'close' as const },
        { commandId: 'c-fan', device: 'fan-1', action: 'fan_on' as const },
      ]),
    });
    expect(out.next).toMatchObject({ id: 'o1', site: 'mine-3', state: 'active', alarmId: 'a1', issuedAtMs: T0, liftedAtMs: null, liftedBy: null, liftNote: null });
    expect(out.next.commands).toEqual([
      { id: 'c-valve', device: 'valve-1', action: 'close', state: 'sent', attempts: 1, lastSentAtMs: T0, ackedAtMs: null, result: null },
      { id: 'c-fan', device: 'fan-1', action: 'fan_on', state: 'sent', attempts: 1, lastSentAtMs: T0, ackedAtMs: null, result: null },
    ]);
    expect(out.effects.map((e) => e.kind)).toEqual(['publish_order', 'send_command', 'send_command']);
    expect(out.effects[0]).toEqual({ kind: 'publish_order', order: out.next });
    expect(out.effects[1]).toEqual({ kind: 'send_command', orderId: 'o1', command: out.next.commands[0] });
  });

  it('throws on duplicate command ids, a bug in the caller that would leave an ack unmatched', () => {
    const dup = { commandId: 'c', device: 'valve-1', action: 'close' as const };
    expect(() => issueOrder({ id: 'o1', site: 's', alarmId: 'a', reason: 'r', atMs: T0, actuators: [dup, dup] })).toThrow(/duplicate command ids/);
  });
});

describe('onCommandAck', () => {
  it('marks a command acked with the reported state and emits nothing', () => {
    const out = onCommandAck(issued(), { commandId: 'c-valve', ok: true, state: 'closed', atMs: T0 + 300 });
    expect(command(out.next, 'c-valve')).toMatchObject({ state: 'acked', ackedAtMs: T0 + 300, result: 'closed' });
    expect(command(out.next, 'c-fan').state).toBe('sent');
    expect(out.effects).toEqual([]);
  });

  it('ignores a duplicate ack: same object, no effects', () => {
    const once = step(onCommandAck(issued(), ok('c-valve')));
    const twice = onCommandAck(once, ok('c-valve', T0 + 900));
    expect(twice.next).toBe(once);
    expect(twice.effects).toEqual([]);
    expect(twice.rejected).toBeUndefined();
  });

  it('keeps an acked command acked when a stale failure reply to a resend arrives', () => {
    const acked = step(onCommandAck(issued(), ok('c-valve')));
    const out = onCommandAck(acked, { commandId: 'c-valve', ok: false, state: 'jammed', atMs: T0 + 200 });
    expect(out.next).toBe(acked);
    expect(out.effects).toEqual([]);
  });

  it('marks a command failed on ok:false and reports command_failed once', () => {
    const out = onCommandAck(issued(), { commandId: 'c-valve', ok: false, state: 'jammed', atMs: T0 + 300 });
    const failed = command(out.next, 'c-valve');
    expect(failed).toMatchObject({ state: 'failed', result: 'jammed', ackedAtMs: T0 + 300 });
    expect(out.effects).toEqual([{ kind: 'command_failed', orderId: 'o1', command: failed }]);
    const again = onCommandAck(deepFreeze(out.next), { commandId: 'c-valve', ok: false, state: 'jammed', atMs: T0 + 400 });
    expect(again.effects).toEqual([]);
    expect(again.next).toBe(out.next);
  });

  it('accepts a late ok after a failure', () => {
    const failed = step(onCommandAck(issued(), { commandId: 'c-valve', ok: false, state: 'jammed', atMs: T0 + 1 }));
    expect(command(onCommandAck(failed, ok('c-valve', T0 + 2)).next, 'c-valve').state).toBe('acked');
  });

  it('refuses an ack for an unknown command with UNKNOWN_COMMAND', () => {
    const order = issued();
    const out = onCommandAck(order, ok('c-nope'));
    expect(out).toMatchObject({ next: order, effects: [], rejected: 'UNKNOWN_COMMAND' });
    expect(out.detail).toContain('c-nope');
  });

  it('records a failure that arrives after the lift but escalates nothing', () => {
    const lifted = step(liftOrder(issued(), { by: 'li', note: 'safe', atMs: T0 + 10, activeAlarmLevels: [] }));
    const out = onCommandAck(lifted, { commandId: 'c-fan', ok: false, state: 'no power', atMs: T0 + 20 });
    expect(command(out.next, 'c-fan').state).toBe('failed');
    expect(out.effects).toEqual([]);
  });
});

describe('onTick', () => {
  it('does not resend 1 ms before the ack timeout', () => {
    const order = issued();
    const out = onTick(order, T0 + POLICY.ackTimeoutMs - 1, POLICY);
    expect(out.next).toBe(order);
    expect(out.effects).toEqual([]);
  });

  it('resends exactly at the ack timeout, counting the attempt', () => {
    const out = onTick(step(onCommandAck(issued(), ok('c-fan'))), T0 + POLICY.ackTimeoutMs, POLICY);
    const valve = command(out.next, 'c-valve');
    expect(valve).toMatchObject({ state: 'sent', attempts: 2, lastSentAtMs: T0 + POLICY.ackTimeoutMs });
    expect(out.effects).toEqual([{ kind: 'send_command', orderId: 'o1', command: valve }]);
    expect(command(out.next, 'c-fan').attempts).toBe(1);
  });

  it('measures the next timeout from the last send, not from the issue', () => {
    const t1 = T0 + 5000;
    const after1 = step(onTick(issued(), t1, POLICY));
    expect(onTick(after1, t1 + 4999, POLICY).effects).toEqual([]);
    expect(onTick(after1, t1 + 5000, POLICY).effects).toHaveLength(2);
  });

  it('reports a command unconfirmed after maxAttempts, once only', () => {
    let order = issued();
    order = step(onTick(order, T0 + 5000, POLICY)); // attempt 2
    order = step(onTick(order, T0 + 10_000, POLICY)); // attempt 3
    expect(command(order, 'c-valve').attempts).toBe(3);
    const out = onTick(order, T0 + 15_000, POLICY);
    expect(out.effects.map((e) => e.kind)).toEqual(['command_unconfirmed', 'command_unconfirmed']);
    expect(out.effects[0]).toEqual({ kind: 'command_unconfirmed', orderId: 'o1', command: command(out.next, 'c-valve') });
    expect(command(out.next, 'c-valve')).toMatchObject({ state: 'unconfirmed', attempts: 3 });
    const later = deepFreeze(out.next);
    for (const atMs of [T0 + 20_000, T0 + 60_000, T0 + 3_600_000]) {
      const again = onTick(later, atMs, POLICY);
      expect(again.effects).toEqual([]);
      expect(again.next).toBe(later);
    }
  });

  it('leaves acked commands alone', () => {
    let order = step(onCommandAck(issued(), ok('c-valve')));
    order = step(onCommandAck(order, ok('c-fan')));
    expect(onTick(order, T0 + 60_000, POLICY)).toEqual({ next: order, effects: [] });
  });

  it('does nothing for a lifted order', () => {
    const lifted = step(liftOrder(issued(), { by: 'li', note: 'safe', atMs: T0 + 10, activeAlarmLevels: [] }));
    const out = onTick(lifted, T0 + 60_000, POLICY);
    expect(out.next).toBe(lifted);
    expect(out.effects).toEqual([]);
  });
});

describe('resumeAfterRestart', () => {
  it('republishes the order and re-sends only the unacked commands', () => {
    const order = step(onCommandAck(issued(), ok('c-valve')));
    const out = resumeAfterRestart(order, T0 + 70_000);
    expect(out.effects.map((e) => e.kind)).toEqual(['publish_order', 'send_command']);
    expect(out.effects[0]).toEqual({ kind: 'publish_order', order: out.next });
    expect(out.effects[1]).toMatchObject({ kind: 'send_command', orderId: 'o1', command: { id: 'c-fan', state: 'sent', attempts: 2, lastSentAtMs: T0 + 70_000 } });
    expect(command(out.next, 'c-valve')).toEqual(command(order, 'c-valve'));
  });

  it('gives failed and unconfirmed commands another attempt', () => {
    let order = step(onCommandAck(issued(), { commandId: 'c-valve', ok: false, state: 'jammed', atMs: T0 + 1 }));
    for (const atMs of [T0 + 5000, T0 + 10_000, T0 + 15_000]) order = step(onTick(order, atMs, POLICY));
    expect(command(order, 'c-fan').state).toBe('unconfirmed');
    const out = resumeAfterRestart(order, T0 + 20_000);
    expect(out.next.commands.map((c) => [c.state, c.attempts])).toEqual([
      ['sent', 2],
      ['sent', 4],
    ]);
  });

  it('does nothing for a lifted order', () => {
    const lifted = step(liftOrder(issued(), { by: 'li', note: 'safe', atMs: T0 + 10, activeAlarmLevels: [] }));
    expect(resumeAfterRestart(lifted, T0 + 20)).toEqual({ next: lifted, effects: [] });
  });
});

describe('liftOrder', () => {
  it.each<[Level[]]>([[['red']], [['orange']], [['yellow', 'orange']], [['blue', 'red', 'orange']]])('refuses to lift with active alarms %j: ALARMS_ACTIVE', (levels) => {
    const order = issued();
    const out = liftOrder(order, { by: 'li', note: 'all clear', atMs: T0 + 10, activeAlarmLevels: levels });
    expect(out).toMatchObject({ next: order, effects: [], rejected: 'ALARMS_ACTIVE' });
    for (const l of levels.filter((x) => x === 'red' || x === 'orange')) expect(out.detail).toContain(l);
    expect(out.detail).not.toMatch(/yellow|blue/);
  });

  it.each<[Level[]]>([[[]], [['yellow']], [['blue', 'yellow']]])('lifts with only lower active alarms %j, publishing the lifted order and no command', (levels) => {
    const order = step(onCommandAck(issued(), ok('c-valve')));
    const out = liftOrder(order, { by: 'li', note: '  valve checked, area ventilated  ', atMs: T0 + 10, activeAlarmLevels: levels });
    expect(out.rejected).toBeUndefined();
    expect(out.next).toMatchObject({ state: 'lifted', liftedAtMs: T0 + 10, liftedBy: 'li', liftNote: 'valve checked, area ventilated' });
    expect(out.next.commands).toEqual(order.commands);
    expect(out.effects).toEqual([{ kind: 'publish_order', order: out.next }]);
    expect(out.effects.some((e) => e.kind === 'send_command')).toBe(false);
  });

  it.each(['', '   '])('refuses to lift without a note (%j): NOTE_REQUIRED', (note) => {
    const order = issued();
    expect(liftOrder(order, { by: 'li', note, atMs: T0 + 10, activeAlarmLevels: [] })).toEqual({ next: order, effects: [], rejected: 'NOTE_REQUIRED' });
  });

  it('refuses to lift a lifted order: ALREADY_LIFTED', () => {
    const lifted = step(liftOrder(issued(), { by: 'li', note: 'safe', atMs: T0 + 10, activeAlarmLevels: [] }));
    expect(liftOrder(lifted, { by: 'wang', note: 'again', atMs: T0 + 20, activeAlarmLevels: [] })).toEqual({ next: lifted, effects: [], rejected: 'ALREADY_LIFTED' });
  });
});

describe('isEnforced and actionFor', () => {
  it('is enforced only while active and every command is acked', () => {
    const order = issued();
    expect(isEnforced(order)).toBe(false);
    const half = step(onCommandAck(order, ok('c-valve')));
    expect(isEnforced(half)).toBe(false);
    const all = step(onCommandAck(half, ok('c-fan')));
    expect(isEnforced(all)).toBe(true);
    expect(isEnforced(step(liftOrder(all, { by: 'li', note: 'safe', atMs: T0 + 10, activeAlarmLevels: [] })))).toBe(false);
  });

  it('closes valves and starts fans, never opens', () => {
    expect(actionFor('valve')).toBe('close');
    expect(actionFor('fan')).toBe('fan_on');
  });
});

describe('inputs are never mutated', () => {
  it('leaves a frozen order unchanged through a whole life', () => {
    const first = issued();
    const snapshot = structuredClone(first);
    let order = step(onTick(first, T0 + 5000, POLICY));
    order = step(onCommandAck(order, ok('c-valve')));
    order = step(onCommandAck(order, { commandId: 'c-fan', ok: false, state: 'no power', atMs: T0 + 6000 }));
    order = step(resumeAfterRestart(order, T0 + 7000));
    order = step(liftOrder(order, { by: 'li', note: 'safe', atMs: T0 + 8000, activeAlarmLevels: ['yellow'] }));
    expect(first).toEqual(snapshot);
    expect(order.state).toBe('lifted');
  });
});
