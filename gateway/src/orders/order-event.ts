// Builders shared by the stop-work state machine (stop-work.ts) and the officers' steps
// (sign-off.ts): an audit event of the order, and the retained-order effect.

import type { OrderEffect, OrderEvent, OrderEventKind, StopWorkOrder } from './order-types.js';

export function orderEvent(order: StopWorkOrder, kind: OrderEventKind, atMs: number, more: { actor?: string; note?: string; device?: string } = {}): OrderEvent {
  return { orderId: order.id, kind, actor: more.actor ?? null, note: more.note ?? null, device: more.device ?? null, atMs };
}

export function publish(order: StopWorkOrder): OrderEffect {
  return { kind: 'publish_order', order };
}
