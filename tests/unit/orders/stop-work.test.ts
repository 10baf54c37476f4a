// The stop-work order (停产停工令) state machine, command side: issue, acks, position read-back,
// interlock confirmation, retry timing, restart. The officers' steps are in sign-off.test.ts.
// Inputs are deep-frozen, so any mutation inside the module would throw.

import { describe, expect, it } from 'vitest';
import {
  actionFor,
  isEnforced,
  issueOrder,
  isConfirmed,
  onCommandAck,
  onPositionReport,
  onTick,
  orderStep,
  recordInspection,
  recordRectification,
  liftOrder,
  resumeAfterRestart,
  safePosition,
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

/** Rectified by one officer, inspected by another: the order may then be lifted. */
function signedOff(order: StopWorkOrder): StopWorkOrder {
  const rectified = step(recordRectification(order, { by: 'wang', note: 'hose replaced', atMs: T0 + 1 }));
  return step(recordInspection(rectified, { by: 'li', note: 'checked', atMs: T0 + 2 }));
}

function lifted(order: StopWorkOrder, atMs = T0 + 10): StopWorkOrder {
  return step(liftOrder(signedOff(order), { by: 'li', note: 'safe', atMs, activeAlarmLevels: [] }));
}

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
    expect(out.next).toMatchObject({ id: 'o1', site: 'mine-3', state: 'active', alarmId: 'a1', issuedAtMs: T0, confirmedAtMs: null, rectifiedAtMs: null, inspectedAtMs: null, liftedAtMs: null, liftedBy: null, liftNote: null });
    const fresh = { state: 'sent', attempts: 1, lastSentAtMs: T0, ackedAtMs: null, result: null, position: null, positionAtMs: null, readBack: null };
    expect(out.next.commands).toEqual([
      { id: 'c-valve', device: 'valve-1', action: 'close', ...fresh },
      { id: 'c-fan', device: 'fan-1', action: 'fan_on', ...fresh },
    ]);
    expect(orderStep(out.next)).toBe('issued');
    expect(out.events).toEqual([{ orderId: 'o1', kind: 'issued', actor: null, note: 'CH4', device: null, atMs: T0 }]);
    expect(out.effects.map((e) => e.kind)).toEqual(['publish_order', 'send_command', 'send_command']);
    expect(out.effects[0]).toEqual({ kind: 'publish_order', order: out.next });
    expect(out.effects[1]).toEqual({ kind: 'send_command', orderId: 'o1', command: out.next.commands[0] });
  });

  it('counts an order without actuators as confirmed at once: nothing to wait for', () => {
    const out = issueOrder({ id: 'o2', site: 's', alarmId: 'a', reason: 'r', atMs: T0, actuators: [] });
    expect(out.next.confirmedAtMs).toBe(T0);
    expect(orderStep(out.next)).toBe('confirmed');
    expect(out.events.map((e) => e.kind)).toEqual(['issued', 'confirmed']);
    expect(out.effects.map((e) => e.kind)).toEqual(['publish_order']);
  });

  it('throws on duplicate command ids, a bug in the caller that would leave an ack unmatched', () => {
    const dup = { commandId: 'c', device: 'valve-1', action: 'close' as const };
    expect(() => issueOrder({ id: 'o1', site: 's', alarmId: 'a', reason: 'r', atMs: T0, actuators: [dup, dup] })).toThrow(/duplicate command ids/);
  });
});

describe('onCommandAck', () => {
  it('marks a command acked with the reported state, records the event and has no effect', () => {
    const out = onCommandAck(issued(), { commandId: 'c-valve', ok: true, state: 'closed', atMs: T0 + 300 });
    expect(command(out.next, 'c-valve')).toMatchObject({ state: 'acked', ackedAtMs: T0 + 300, result: 'closed', readBack: 'not_reported' });
    expect(command(out.next, 'c-fan').state).toBe('sent');
    expect(out.effects).toEqual([]);
    expect(out.events).toEqual([{ orderId: 'o1', kind: 'acked', actor: null, note: 'closed', device: 'valve-1', atMs: T0 + 300 }]);
    expect(out.next.confirmedAtMs).toBeNull();
  });

  it('ignores a duplicate ack: same object, no effects', () => {
    const once = step(onCommandAck(issued(), ok('c-valve')));
    const twice = onCommandAck(once, ok('c-valve', T0 + 900));
    expect(twice.next).toBe(once);
    expect(twice.effects).toEqual([]);
    expect(twice.events).toEqual([]);
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
    expect(out).toMatchObject({ next: order, effects: [], events: [], rejected: 'UNKNOWN_COMMAND' });
    expect(out.detail).toContain('c-nope');
  });

  it('records a failure that arrives after the lift but escalates nothing', () => {
    const out = onCommandAck(lifted(issued()), { commandId: 'c-fan', ok: false, state: 'no power', atMs: T0 + 20 });
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
    expect(onTick(order, T0 + 60_000, POLICY)).toEqual({ next: order, effects: [], events: [] });
  });

  it('does nothing for a lifted order', () => {
    const done = lifted(issued());
    const out = onTick(done, T0 + 60_000, POLICY);
    expect(out.next).toBe(done);
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
    const done = lifted(issued());
    expect(resumeAfterRestart(done, T0 + 20)).toEqual({ next: done, effects: [], events: [] });
  });

  it('keeps the officers\' steps and re-sends a command still awaiting its read-back', () => {
    let order = step(onCommandAck(issued(), { commandId: 'c-valve', ok: true, state: 'closed', atMs: T0 + 1, position: 'open' }));
    order = step(recordRectification(order, { by: 'wang', note: 'hose replaced', atMs: T0 + 2 }));
    const out = resumeAfterRestart(order, T0 + 100);
    expect(command(out.next, 'c-valve')).toMatchObject({ state: 'sent', attempts: 2, readBack: null, position: 'open' });
    expect(out.next).toMatchObject({ rectifiedBy: 'wang', rectifiedAtMs: T0 + 2 });
    expect(orderStep(out.next)).toBe('rectified');
    expect(out.events).toEqual([{ orderId: 'o1', kind: 'republished', actor: null, note: '2 command(s) sent again', device: null, atMs: T0 + 100 }]);
  });
});

describe('position read-back and the interlock step', () => {
  const ackValve = (position: string | null, atMs = T0 + 100) => ({ commandId: 'c-valve', ok: true, state: 'closed', atMs, position });
  const ackFan = (position: string | null, atMs = T0 + 100) => ({ commandId: 'c-fan', ok: true, state: 'running', atMs, position });

  it('confirms the interlock once every actuator acked and read back safe, at the last one', () => {
    const half = step(onCommandAck(issued(), ackValve('closed')));
    expect(command(half, 'c-valve').readBack).toBe('matched');
    expect(half.confirmedAtMs).toBeNull();
    const out = onCommandAck(half, ackFan('running', T0 + 250));
    expect(out.next.confirmedAtMs).toBe(T0 + 250);
    expect(orderStep(out.next)).toBe('confirmed');
    expect(out.events.map((e) => e.kind)).toEqual(['acked', 'confirmed']);
    expect(out.events[1]!.note).toBe('valve-1 closed, fan-1 running');
    expect(isEnforced(out.next)).toBe(true);
  });

  it('takes an ack alone as confirmation from an actuator that reports no position', () => {
    const out = step(onCommandAck(step(onCommandAck(issued(), ackValve(null))), ackFan(null)));
    expect(out.commands.map((c) => c.readBack)).toEqual(['not_reported', 'not_reported']);
    expect(out.confirmedAtMs).toBe(T0 + 100);
  });

  it('waits for the read-back when the valve acks closed but reads open, then confirms on a closed report', () => {
    let order = step(onCommandAck(issued(), ackFan('running')));
    order = step(onCommandAck(order, ackValve('open', T0 + 200)));
    expect(command(order, 'c-valve')).toMatchObject({ state: 'acked', readBack: 'awaiting', position: 'open' });
    expect(isConfirmed(command(order, 'c-valve'))).toBe(false);
    expect(order.confirmedAtMs).toBeNull();
    // 1 ms before the timeout: still waiting, no alarm.
    expect(onTick(order, T0 + 200 + POLICY.ackTimeoutMs - 1, POLICY).next).toBe(order);
    const out = onPositionReport(order, { device: 'valve-1', position: 'closed', atMs: T0 + 900 });
    expect(command(out.next, 'c-valve')).toMatchObject({ readBack: 'matched', position: 'closed', positionAtMs: T0 + 900 });
    expect(out.effects).toEqual([]);
    expect(out.next.confirmedAtMs).toBe(T0 + 900);
  });

  it('reports a position mismatch once when the valve still reads open at the ack timeout', () => {
    const order = step(onCommandAck(step(onCommandAck(issued(), ackFan('running'))), ackValve('open', T0 + 200)));
    const out = onTick(order, T0 + 200 + POLICY.ackTimeoutMs, POLICY);
    const valve = command(out.next, 'c-valve');
    expect(valve).toMatchObject({ state: 'acked', readBack: 'mismatch' });
    expect(out.effects).toEqual([{ kind: 'position_mismatch', orderId: 'o1', command: valve }]);
    expect(out.events).toEqual([{ orderId: 'o1', kind: 'position_mismatch', actor: null, note: 'acked closed but reads open', device: 'valve-1', atMs: T0 + 200 + POLICY.ackTimeoutMs }]);
    const later = step(out);
    expect(onTick(later, T0 + 60_000, POLICY).effects.filter((e) => e.kind === 'position_mismatch')).toEqual([]);
    // Another open report changes nothing more: the alarm stands.
    expect(onPositionReport(later, { device: 'valve-1', position: 'open', atMs: T0 + 61_000 }).effects).toEqual([]);
  });

  it('restores a mismatched valve that reads closed at last, confirming the interlock', () => {
    let order = step(onCommandAck(issued(), ackFan('running')));
    order = step(onCommandAck(order, ackValve('open')));
    order = step(onTick(order, T0 + 100 + POLICY.ackTimeoutMs, POLICY));
    const out = onPositionReport(order, { device: 'valve-1', position: 'closed', atMs: T0 + 9000 });
    const valve = command(out.next, 'c-valve');
    expect(valve.readBack).toBe('matched');
    expect(out.effects).toEqual([{ kind: 'position_restored', orderId: 'o1', command: valve }]);
    expect(out.events.map((e) => e.kind)).toEqual(['position_matched', 'confirmed']);
    expect(out.next.confirmedAtMs).toBe(T0 + 9000);
  });

  it('sends the command again when a confirmed valve is found open while the order is in force', () => {
    let order = step(onCommandAck(issued(), ackFan('running')));
    order = step(onCommandAck(order, ackValve('closed')));
    expect(order.confirmedAtMs).toBe(T0 + 100);
    const out = onPositionReport(order, { device: 'valve-1', position: 'open', atMs: T0 + 5000 });
    const valve = command(out.next, 'c-valve');
    expect(valve).toMatchObject({ state: 'sent', attempts: 2, lastSentAtMs: T0 + 5000, readBack: null, position: 'open' });
    expect(out.effects).toEqual([{ kind: 'send_command', orderId: 'o1', command: valve }]);
    expect(out.events.map((e) => e.kind)).toEqual(['position_unsafe']);
    // The step reached stays a fact; whether the site is enforced now is another question.
    expect(out.next.confirmedAtMs).toBe(T0 + 100);
    expect(isEnforced(out.next)).toBe(false);
  });

  it('only notes a position reported before the ack, and uses it at the ack when the ack has none', () => {
    const before = step(onPositionReport(issued(), { device: 'valve-1', position: 'open', atMs: T0 + 50 }));
    expect(command(before, 'c-valve')).toMatchObject({ state: 'sent', position: 'open', readBack: null });
    const acked = step(onCommandAck(before, { commandId: 'c-valve', ok: true, state: 'closed', atMs: T0 + 100 }));
    expect(command(acked, 'c-valve').readBack).toBe('awaiting');
  });

  it('ignores positions of other devices, a repeat of the recorded position, and a lifted order', () => {
    const confirmedValve = step(onCommandAck(issued(), ackValve('closed')));
    expect(onPositionReport(confirmedValve, { device: 'valve-1', position: 'closed', atMs: T0 + 500 })).toEqual({ next: confirmedValve, effects: [], events: [] });
    const order = issued();
    expect(onPositionReport(order, { device: 'pump-9', position: 'open', atMs: T0 }).next).toBe(order);
    const done = lifted(step(onCommandAck(issued(), ackValve('closed'))));
    expect(onPositionReport(done, { device: 'valve-1', position: 'open', atMs: T0 + 99 })).toEqual({ next: done, effects: [], events: [] });
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
    expect(isEnforced(lifted(all))).toBe(false);
  });

  it('closes valves and starts fans, never opens, and expects them to read back closed and running', () => {
    expect(actionFor('valve')).toBe('close');
    expect(actionFor('fan')).toBe('fan_on');
    expect(safePosition('close')).toBe('closed');
    expect(safePosition('fan_on')).toBe('running');
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
    order = step(onPositionReport(order, { device: 'valve-1', position: 'closed', atMs: T0 + 7500 }));
    order = step(recordRectification(order, { by: 'wang', note: 'fixed', atMs: T0 + 7600 }));
    order = step(recordInspection(order, { by: 'li', note: 'checked', atMs: T0 + 7700 }));
    order = step(liftOrder(order, { by: 'li', note: 'safe', atMs: T0 + 8000, activeAlarmLevels: ['yellow'] }));
    expect(first).toEqual(snapshot);
    expect(order.state).toBe('lifted');
  });
});
