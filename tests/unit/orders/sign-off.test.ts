// The officers' steps of a stop-work order (停产停工令): rectification (整改), inspection (验收) by
// someone else, then the lift (复工), each refused with what is missing. Inputs are deep-frozen.

import { describe, expect, it } from 'vitest';
import type { Level } from '../../../gateway/src/contract/levels.js';
import { issueOrder, onCommandAck, orderStep, type OrderOutcome, type StopWorkOrder } from '../../../gateway/src/orders/stop-work.js';
import { liftOrder, recordInspection, recordRectification } from '../../../gateway/src/orders/sign-off.js';
import { deepFreeze } from '../../support/freeze.js';

const T0 = 1_700_000_000_000;

function issued(): StopWorkOrder {
  const order = issueOrder({ id: 'o1', site: 'kitchen-01', alarmId: 'a1', reason: 'CH4 80 %LEL', atMs: T0, actuators: [{ commandId: 'c-valve', device: 'valve-1', action: 'close' }] }).next;
  return deepFreeze(order);
}

function step(outcome: OrderOutcome): StopWorkOrder {
  expect(outcome.rejected, outcome.detail).toBeUndefined();
  return deepFreeze(outcome.next);
}

const confirmed = (): StopWorkOrder => step(onCommandAck(issued(), { commandId: 'c-valve', ok: true, state: 'closed', atMs: T0 + 100, position: 'closed' }));
const rectified = (order = confirmed()): StopWorkOrder => step(recordRectification(order, { by: 'fitter-wang', note: '更换软管 hose replaced', atMs: T0 + 1000 }));
const inspected = (): StopWorkOrder => step(recordInspection(rectified(), { by: 'inspector-li', note: '验收合格 leak test passed', atMs: T0 + 2000 }));

function refused(outcome: OrderOutcome, order: StopWorkOrder): OrderOutcome {
  expect(outcome.next).toBe(order);
  expect(outcome.effects).toEqual([]);
  expect(outcome.events).toEqual([]);
  return outcome;
}

describe('recordRectification', () => {
  it('records who, what and when after the interlock confirmed, as one audit event', () => {
    const order = confirmed();
    const out = recordRectification(order, { by: '  fitter-wang ', note: ' 更换软管 hose replaced ', atMs: T0 + 1000 });
    expect(out.rejected).toBeUndefined();
    expect(out.next).toMatchObject({ rectifiedAtMs: T0 + 1000, rectifiedBy: 'fitter-wang', rectificationNote: '更换软管 hose replaced', state: 'active' });
    expect(orderStep(out.next)).toBe('rectified');
    expect(out.effects).toEqual([]);
    expect(out.events).toEqual([{ orderId: 'o1', kind: 'rectified', actor: 'fitter-wang', note: '更换软管 hose replaced', device: null, atMs: T0 + 1000 }]);
  });

  it('is allowed before the interlock confirmed, and the audit event says so', () => {
    const out = recordRectification(issued(), { by: 'fitter-wang', note: 'valve actuator replaced', atMs: T0 + 1000 });
    expect(out.rejected).toBeUndefined();
    expect(out.events[0]!.note).toBe('valve actuator replaced [interlock not confirmed at the time]');
  });

  it.each([
    ['', 'fixed', 'ACTOR_REQUIRED'],
    ['wang', '   ', 'NOTE_REQUIRED'],
  ])('refuses by=%j note=%j with %s', (by, note, code) => {
    const order = confirmed();
    expect(refused(recordRectification(order, { by, note, atMs: T0 + 1 }), order).rejected).toBe(code);
  });

  it('refuses a second rectification, naming who recorded the first', () => {
    const order = rectified();
    const out = refused(recordRectification(order, { by: 'someone', note: 'again', atMs: T0 + 5 }), order);
    expect(out).toMatchObject({ rejected: 'ALREADY_RECTIFIED', detail: 'rectified by fitter-wang' });
  });
});

describe('recordInspection', () => {
  it('records the inspection by a second person', () => {
    const out = recordInspection(rectified(), { by: 'inspector-li', note: '验收合格 leak test passed', atMs: T0 + 2000 });
    expect(out.rejected).toBeUndefined();
    expect(out.next).toMatchObject({ inspectedAtMs: T0 + 2000, inspectedBy: 'inspector-li', inspectionNote: '验收合格 leak test passed' });
    expect(orderStep(out.next)).toBe('inspected');
    expect(out.events).toEqual([{ orderId: 'o1', kind: 'inspected', actor: 'inspector-li', note: '验收合格 leak test passed', device: null, atMs: T0 + 2000 }]);
  });

  it('refuses an inspection before any rectification: RECTIFICATION_MISSING', () => {
    const order = confirmed();
    expect(refused(recordInspection(order, { by: 'inspector-li', note: 'ok', atMs: T0 + 1 }), order).rejected).toBe('RECTIFICATION_MISSING');
  });

  it.each(['fitter-wang', ' Fitter-Wang ', 'ＦＩＴＴＥＲ-wang'])('refuses the rectifier as inspector (%j): SAME_PERSON', (by) => {
    const order = rectified();
    const out = refused(recordInspection(order, { by, note: 'looks fine', atMs: T0 + 1 }), order);
    expect(out.rejected).toBe('SAME_PERSON');
    expect(out.detail).toContain('fitter-wang');
  });

  it('refuses a missing note and a second inspection', () => {
    const order = rectified();
    expect(refused(recordInspection(order, { by: 'inspector-li', note: '', atMs: T0 + 1 }), order).rejected).toBe('NOTE_REQUIRED');
    const done = inspected();
    expect(refused(recordInspection(done, { by: 'inspector-zhao', note: 'again', atMs: T0 + 1 }), done).rejected).toBe('ALREADY_INSPECTED');
  });
});

describe('liftOrder', () => {
  const lift = (order: StopWorkOrder, levels: Level[] = [], note = '复工 work resumes', by = 'officer-zhou') => liftOrder(order, { by, note, atMs: T0 + 3000, activeAlarmLevels: levels });

  it('lifts an inspected order: publishes the lifted order, sends no command, records who', () => {
    const order = inspected();
    const out = lift(order, ['yellow', 'blue']);
    expect(out.rejected).toBeUndefined();
    expect(out.next).toMatchObject({ state: 'lifted', liftedAtMs: T0 + 3000, liftedBy: 'officer-zhou', liftNote: '复工 work resumes' });
    expect(orderStep(out.next)).toBe('lifted');
    expect(out.next.commands).toEqual(order.commands);
    // Lifting never re-opens gas: the only effect is the retained order.
    expect(out.effects).toEqual([{ kind: 'publish_order', order: out.next }]);
    expect(out.events).toEqual([{ orderId: 'o1', kind: 'lifted', actor: 'officer-zhou', note: '复工 work resumes', device: null, atMs: T0 + 3000 }]);
  });

  it('refuses a freshly issued order and names every missing step', () => {
    const order = issued();
    const out = refused(lift(order, ['red'], ' '), order);
    expect(out.rejected).toBe('RECTIFICATION_MISSING');
    expect(out.missing).toEqual(['rectification', 'inspection', 'alarms_cleared', 'note']);
    expect(out.detail).toBe('cannot lift yet: rectification not recorded; inspection not recorded; active alarms at red; a note is required');
  });

  it('refuses a rectified order until it is inspected: INSPECTION_MISSING', () => {
    const order = rectified();
    const out = refused(lift(order), order);
    expect(out).toMatchObject({ rejected: 'INSPECTION_MISSING', missing: ['inspection'] });
  });

  it.each<[Level[], string]>([
    [['red'], 'red'],
    [['orange'], 'orange'],
    [['yellow', 'orange', 'red'], 'orange, red'],
  ])('refuses an inspected order while alarms %j are active: ALARMS_ACTIVE', (levels, named) => {
    const order = inspected();
    const out = refused(lift(order, levels), order);
    expect(out).toMatchObject({ rejected: 'ALARMS_ACTIVE', missing: ['alarms_cleared'], detail: `cannot lift yet: active alarms at ${named}` });
  });

  it('refuses an inspected order without a note or without an officer', () => {
    const order = inspected();
    expect(refused(lift(order, [], '   '), order)).toMatchObject({ rejected: 'NOTE_REQUIRED', missing: ['note'] });
    expect(refused(lift(order, [], 'ok', ' '), order)).toMatchObject({ rejected: 'ACTOR_REQUIRED', missing: ['actor'] });
  });

  it('refuses every step on a lifted order: ALREADY_LIFTED', () => {
    const done = step(lift(inspected()));
    expect(refused(lift(done), done).rejected).toBe('ALREADY_LIFTED');
    expect(refused(recordRectification(done, { by: 'a', note: 'b', atMs: T0 }), done).rejected).toBe('ALREADY_LIFTED');
    expect(refused(recordInspection(done, { by: 'a', note: 'b', atMs: T0 }), done).rejected).toBe('ALREADY_LIFTED');
  });

  it('lets the inspector also be the one who lifts: only rectifier and inspector must differ', () => {
    expect(lift(inspected(), [], 'resume', 'inspector-li').rejected).toBeUndefined();
  });

  it('walks issued → confirmed → rectified → inspected → lifted without mutating any step', () => {
    const first = issued();
    const snapshot = structuredClone(first);
    const steps = [first, confirmed(), rectified(), inspected()];
    steps.push(step(lift(steps[3]!)));
    expect(steps.map(orderStep)).toEqual(['issued', 'confirmed', 'rectified', 'inspected', 'lifted']);
    expect(first).toEqual(snapshot);
  });
});
