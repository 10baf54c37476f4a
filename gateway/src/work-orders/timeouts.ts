// When a work order escalates, like an unacknowledged alarm: not accepted within the acceptance
// window → the dispatcher and the site's region duty roster are told; past the deadline → an
// overdue notice. Pure: which notices are due now, given those already sent, and their text in
// Chinese and English. The watcher that sends them through the outbox is not here.

import { minutesOverdue } from './deadline.js';
import type { WorkOrder } from './machine.js';

export type WorkOrderNoticeKind = 'work_order_not_accepted' | 'work_order_overdue';

export interface WorkOrderNotice {
  kind: WorkOrderNoticeKind;
  orderId: string;
  site: string;
  /** Who is told: the dispatcher by name, and the duty roster of the site's region. */
  to: { dispatcher: string; regionRoster: true };
  /** One notice of each kind per assignment: a reassignment (new dispatchedAtMs) may escalate again. */
  dedupKey: string;
}

export function dueNotices(order: WorkOrder, nowMs: number, acceptWithinMs: number, sent: ReadonlySet<string>): WorkOrderNotice[] {
  const out: WorkOrderNotice[] = [];
  const add = (kind: WorkOrderNoticeKind): void => {
    const dedupKey = `${order.id}:${kind}:${order.dispatchedAtMs}`;
    if (!sent.has(dedupKey)) out.push({ kind, orderId: order.id, site: order.site, to: { dispatcher: order.dispatcher, regionRoster: true }, dedupKey });
  };
  if (order.state === 'dispatched' && nowMs >= order.dispatchedAtMs + acceptWithinMs) add('work_order_not_accepted');
  if ((order.state === 'dispatched' || order.state === 'accepted' || order.state === 'in_progress') && nowMs > order.dueAtMs) add('work_order_overdue');
  return out;
}

export function renderNotice(kind: WorkOrderNoticeKind, order: WorkOrder, siteName: string, nowMs: number, lang: 'zh' | 'en'): string {
  switch (kind) {
    case 'work_order_not_accepted': {
      const min = Math.floor((nowMs - order.dispatchedAtMs) / 60_000);
      return lang === 'zh'
        ? `【派单未接】${siteName}：工单「${order.title}」派给${order.assignee}已${min}分钟仍未接单，请联系或改派。`
        : `[Work order not accepted] ${siteName}: "${order.title}" was dispatched to ${order.assignee} ${min} min ago and is not accepted; call them or reassign.`;
    }
    case 'work_order_overdue': {
      const min = minutesOverdue(order.dueAtMs, nowMs);
      return lang === 'zh'
        ? `【工单超期】${siteName}：工单「${order.title}」（${order.assignee}）已超过期限${min}分钟未完成。`
        : `[Work order overdue] ${siteName}: "${order.title}" (${order.assignee}) is ${min} min past its deadline and not completed.`;
    }
  }
}
