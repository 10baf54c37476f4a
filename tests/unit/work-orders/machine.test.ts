import { describe, expect, it } from 'vitest';
import { accept, cancel, complete, confirm, dispatch, reassign, refuseOrder, reportProgress, returnOrder, type WorkOrder } from '../../../gateway/src/work-orders/machine.js';

const T0 = Date.UTC(2026, 11, 8, 1, 0, 0);
const HOUR = 3_600_000;

function fresh(): WorkOrder {
  const out = dispatch({ id: 'wo-1', task: 'check_leak', title: '检查燃气泄漏', site: 'kitchen-7', alarmId: 'a-9', hazardId: 'hz-3', dispatcher: 'zhang', assignee: 'li', dueAtMs: T0 + 4 * HOUR, atMs: T0 });
  expect(out.rejected).toBeUndefined();
  return out.next;
}

function ok<T extends { rejected?: string; next: WorkOrder }>(out: T): WorkOrder {
  expect(out.rejected).toBeUndefined();
  return out.next;
}

describe('work order machine', () => {
  it('dispatches with links and one audited event', () => {
    const out = dispatch({ id: 'wo-1', task: 'replace_detector', title: 't', site: 's', device: 'd', stopWorkOrderId: 'o-1', dispatcher: 'zhang', assignee: 'li', dueAtMs: T0 + HOUR, atMs: T0 });
    expect(out.next).toMatchObject({ state: 'dispatched', site: 's', device: 'd', stopWorkOrderId: 'o-1', alarmId: null, hazardId: null });
    expect(out.events).toEqual([{ orderId: 'wo-1', kind: 'dispatched', atMs: T0, by: 'zhang', detail: { assignee: 'li', dueAtMs: T0 + HOUR } }]);
  });

  it('refuses a dispatch whose deadline is not after now', () => {
    const out = dispatch({ id: 'wo-1', task: 'check_leak', title: 't', site: 's', dispatcher: 'z', assignee: 'l', dueAtMs: T0, atMs: T0 });
    expect(out.rejected).toBe('DEADLINE_PASSED_AT_DISPATCH');
    expect(out.events).toEqual([]);
  });

  it('walks the happy path: accept, progress with photos, complete, confirm', () => {
    let o = ok(accept(fresh(), 'li', T0 + 60_000));
    expect(o).toMatchObject({ state: 'accepted', acceptedAtMs: T0 + 60_000 });
    o = ok(reportProgress(o, 'li', '阀门已关', ['p1.jpg'], T0 + 120_000));
    expect(o.state).toBe('in_progress');
    expect(o.progress).toEqual([{ atMs: T0 + 120_000, by: 'li', note: '阀门已关', photos: ['p1.jpg'] }]);
    o = ok(complete(o, 'li', 'done', T0 + 180_000));
    expect(o).toMatchObject({ state: 'completed', completedAtMs: T0 + 180_000 });
    const c = confirm(o, 'zhang', T0 + 240_000);
    expect(c.next).toMatchObject({ state: 'confirmed', closedAtMs: T0 + 240_000 });
    expect(c.events[0]?.kind).toBe('confirmed');
  });

  it('only the assignee may accept, report, complete or refuse', () => {
    const o = fresh();
    expect(accept(o, 'wang', T0).rejected).toBe('NOT_ASSIGNEE');
    expect(refuseOrder(o, 'wang', 'busy', T0).rejected).toBe('NOT_ASSIGNEE');
    const a = ok(accept(o, 'li', T0));
    expect(reportProgress(a, 'zhang', 'x', [], T0).rejected).toBe('NOT_ASSIGNEE');
    expect(complete(a, 'zhang', '', T0).rejected).toBe('NOT_ASSIGNEE');
  });

  it('only the dispatcher may confirm, return, cancel or reassign', () => {
    const done = ok(complete(ok(accept(fresh(), 'li', T0)), 'li', '', T0));
    expect(confirm(done, 'li', T0).rejected).toBe('NOT_DISPATCHER');
    expect(returnOrder(done, 'li', 'no', T0).rejected).toBe('NOT_DISPATCHER');
    expect(cancel(done, 'li', 'no', T0).rejected).toBe('NOT_DISPATCHER');
    expect(reassign(fresh(), 'li', 'wang', 'x', T0).rejected).toBe('NOT_DISPATCHER');
  });

  it('refuse, return, cancel and reassign need a reason', () => {
    expect(refuseOrder(fresh(), 'li', '  ', T0).rejected).toBe('REASON_REQUIRED');
    const done = ok(complete(ok(accept(fresh(), 'li', T0)), 'li', '', T0));
    expect(returnOrder(done, 'zhang', '', T0).rejected).toBe('REASON_REQUIRED');
    expect(cancel(fresh(), 'zhang', '', T0).rejected).toBe('REASON_REQUIRED');
    expect(reassign(fresh(), 'zhang', 'wang', '', T0).rejected).toBe('REASON_REQUIRED');
  });

  it('an empty progress report is refused', () => {
    expect(reportProgress(ok(accept(fresh(), 'li', T0)), 'li', ' ', [], T0).rejected).toBe('REASON_REQUIRED');
  });

  it('refusal by the assignee is final and keeps the reason', () => {
    const r = ok(refuseOrder(fresh(), 'li', '不在辖区', T0 + 1));
    expect(r).toMatchObject({ state: 'refused', reason: '不在辖区', closedAtMs: T0 + 1 });
    expect(accept(r, 'li', T0 + 2).rejected).toBe('WRONG_STATE');
  });

  it('returned work goes back in progress and can be completed again', () => {
    const done = ok(complete(ok(accept(fresh(), 'li', T0)), 'li', '', T0 + 1));
    const back = returnOrder(done, 'zhang', '照片不清楚', T0 + 2);
    expect(back.next).toMatchObject({ state: 'in_progress', completedAtMs: null, reason: '照片不清楚' });
    expect(back.events[0]).toMatchObject({ kind: 'returned', detail: { reason: '照片不清楚' } });
    expect(ok(complete(back.next, 'li', '', T0 + 3)).state).toBe('completed');
  });

  it('reassignment restarts acceptance and audits both names', () => {
    const a = ok(accept(fresh(), 'li', T0));
    const r = reassign(a, 'zhang', 'wang', '李休假', T0 + 5);
    expect(r.next).toMatchObject({ state: 'dispatched', assignee: 'wang', acceptedAtMs: null, dispatchedAtMs: T0 + 5 });
    expect(r.events[0]).toMatchObject({ kind: 'reassigned', by: 'zhang', detail: { from: 'li', to: 'wang' } });
    expect(accept(r.next, 'li', T0 + 6).rejected).toBe('NOT_ASSIGNEE');
    expect(reassign(r.next, 'zhang', 'wang', 'x', T0).rejected).toBe('SAME_ASSIGNEE');
  });

  it('a refused order can be reassigned, a confirmed or cancelled one cannot', () => {
    const refused = ok(refuseOrder(fresh(), 'li', 'busy', T0));
    expect(ok(reassign(refused, 'zhang', 'wang', 'li refused', T0 + 1)).state).toBe('dispatched');
    const cancelled = ok(cancel(fresh(), 'zhang', 'duplicate', T0));
    expect(reassign(cancelled, 'zhang', 'wang', 'x', T0).rejected).toBe('WRONG_STATE');
    expect(cancel(cancelled, 'zhang', 'again', T0).rejected).toBe('WRONG_STATE');
  });

  it.each([
    ['complete before accept', (o: WorkOrder) => complete(o, 'li', '', T0)],
    ['progress before accept', (o: WorkOrder) => reportProgress(o, 'li', 'n', [], T0)],
    ['confirm before complete', (o: WorkOrder) => confirm(o, 'zhang', T0)],
    ['return before complete', (o: WorkOrder) => returnOrder(o, 'zhang', 'r', T0)],
  ])('refuses %s as WRONG_STATE and leaves the order unchanged', (_name, act) => {
    const o = fresh();
    const out = act(o);
    expect(out.rejected).toBe('WRONG_STATE');
    expect(out.next).toBe(o);
    expect(out.events).toEqual([]);
  });
});
