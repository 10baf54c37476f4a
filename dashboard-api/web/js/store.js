// What the page knows: a snapshot from the API kept current by stream events. Views subscribe
// and re-render the part that changed; nothing here touches the DOM.

import { needsRectification } from './levels.js';

export const state = {
  me: null,
  sites: [],
  /** Open alarms by id (see isOpen). */
  alarms: new Map(),
  /** Active stop-work orders by id. */
  orders: new Map(),
  devices: [],
  rules: [],
  selectedSite: null,
  connection: 'connecting',
};

const listeners = new Set();

/** `listener(part)` runs after each change; part is 'sites' | 'alarms' | 'orders' | … */
export function subscribe(listener) {
  listeners.add(listener);
}

export function changed(part) {
  for (const listener of listeners) listener(part);
}

/**
 * An alarm still needs someone (as gateway/src/alarms/lifecycle.ts isOpen): active, cleared but
 * unacknowledged, or cleared with an orange/red peak that nobody has closed out yet.
 */
export function isOpen(alarm) {
  switch (alarm.state) {
    case 'active_unacked':
    case 'active_acked':
    case 'cleared_unacked':
      return true;
    case 'cleared':
      return needsRectification(alarm.peakLevel);
    default:
      return false;
  }
}

// When each alarm was last changed here, by a counter rather than the alarm's updatedAtMs: that
// mixes device time (raise, escalate) with gateway time (ack, shelve), so it is not monotonic.
let tick = 0;
const touched = new Map();

/** A mark to take before fetching a snapshot (see replaceAlarms). */
export function mark() {
  return ++tick;
}

/** An alarm from an event or an action's answer: the latest to arrive wins. */
export function upsertAlarm(alarm) {
  touched.set(alarm.id, ++tick);
  if (isOpen(alarm)) state.alarms.set(alarm.id, alarm);
  else state.alarms.delete(alarm.id);
}

// A lifted order never becomes active again, even if a snapshot fetched before the lift says so.
const lifted = new Set();

export function upsertOrder(order) {
  if (order.state !== 'active') {
    lifted.add(order.id);
    state.orders.delete(order.id);
  } else if (!lifted.has(order.id)) {
    state.orders.set(order.id, order);
  }
}

/** Newest first, as the contract's list. */
export function openAlarms() {
  return [...state.alarms.values()].sort((a, b) => b.raisedAtMs - a.raisedAtMs || a.id.localeCompare(b.id));
}

export function activeOrders() {
  return [...state.orders.values()].sort((a, b) => b.issuedAtMs - a.issuedAtMs);
}

export function siteName(id) {
  return state.sites.find((s) => s.id === id)?.name ?? id;
}

/**
 * A fresh snapshot fetched after `since` (from mark()). An alarm changed by an event or an action
 * since then keeps that copy: the snapshot may have been read before the change.
 */
export function replaceAlarms(list, since) {
  const fresh = new Map();
  for (const alarm of list) if (!((touched.get(alarm.id) ?? 0) > since) && isOpen(alarm)) fresh.set(alarm.id, alarm);
  for (const [id, alarm] of state.alarms) if ((touched.get(id) ?? 0) > since) fresh.set(id, alarm);
  state.alarms = fresh;
  // Older marks are settled by this snapshot: forget them, so a screen left on for weeks stays small.
  for (const [id, at] of touched) if (at <= since) touched.delete(id);
}

export function replaceOrders(list) {
  state.orders = new Map();
  for (const order of list) upsertOrder(order);
}
