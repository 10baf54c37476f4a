import { describe, expect, it } from 'vitest';
import { accept, complete, dispatch, reassign } from '../../../gateway/src/work-orders/machine.js';
import { dueNotices, renderNotice } from '../../../gateway/src/work-orders/timeouts.js';

const T0 = Date.UTC(2026, 11, 8, 1, 0);
const MIN = 60_000;
const order = dispatch({ id: 'wo-1', task: 'check_leak', title: '检查燃气泄漏', site: 'k1', dispatcher: 'zhang', assignee: 'li', dueAtMs: T0 + 120 * MIN, atMs: T0 }).next;

describe('work order timeouts', () => {
  it('nothing is due inside the acceptance window', () => {
    expect(dueNotices(order, T0 + 29 * MIN, 30 * MIN, new Set())).toEqual([]);
  });

  it('not accepted after the window tells the dispatcher and the region roster, once', () => {
    const due = dueNotices(order, T0 + 30 * MIN, 30 * MIN, new Set());
    expect(due).toEqual([{ kind: 'work_order_not_accepted', orderId: 'wo-1', site: 'k1', to: { dispatcher: 'zhang', regionRoster: true }, dedupKey: `wo-1:work_order_not_accepted:${T0}` }]);
    expect(dueNotices(order, T0 + 31 * MIN, 30 * MIN, new Set(due.map((n) => n.dedupKey)))).toEqual([]);
  });

  it('an accepted order escalates only when overdue; a completed one never', () => {
    const a = accept(order, 'li', T0 + MIN).next;
    expect(dueNotices(a, T0 + 60 * MIN, 30 * MIN, new Set())).toEqual([]);
    expect(dueNotices(a, T0 + 121 * MIN, 30 * MIN, new Set()).map((n) => n.kind)).toEqual(['work_order_overdue']);
    expect(dueNotices(complete(a, 'li', '', T0 + 2 * MIN).next, T0 + 500 * MIN, 30 * MIN, new Set())).toEqual([]);
  });

  it('a reassignment restarts the acceptance escalation', () => {
    const sent = new Set(dueNotices(order, T0 + 30 * MIN, 30 * MIN, new Set()).map((n) => n.dedupKey));
    const r = reassign(order, 'zhang', 'wang', '李未接', T0 + 31 * MIN).next;
    expect(dueNotices(r, T0 + 40 * MIN, 30 * MIN, sent)).toEqual([]);
    expect(dueNotices(r, T0 + 61 * MIN, 30 * MIN, sent).map((n) => n.kind)).toEqual(['work_order_not_accepted']);
  });

  it('renders golden Chinese and English text', () => {
    expect(renderNotice('work_order_not_accepted', order, '老王面馆', T0 + 35 * MIN, 'zh')).toBe('【派单未接】老王面馆：工单「检查燃气泄漏」派给li已35分钟仍未接单，请联系或改派。');
    expect(renderNotice('work_order_not_accepted', order, 'Wang noodles', T0 + 35 * MIN, 'en')).toBe('[Work order not accepted] Wang noodles: "检查燃气泄漏" was dispatched to li 35 min ago and is not accepted; call them or reassign.');
    expect(renderNotice('work_order_overdue', order, '老王面馆', T0 + 130 * MIN, 'zh')).toBe('【工单超期】老王面馆：工单「检查燃气泄漏」（li）已超过期限10分钟未完成。');
    expect(renderNotice('work_order_overdue', order, 'Wang noodles', T0 + 130 * MIN, 'en')).toBe('[Work order overdue] Wang noodles: "检查燃气泄漏" (li) is 10 min past its deadline and not completed.');
  });
});
