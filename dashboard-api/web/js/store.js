// What the page knows: a snapshot from the API kept current by stream events. Views subscribe
// and re-render the part that changed; nothing here touches the DOM.

import { levelRank, needsRectification } from './levels.js';
import { t } from './i18n.js';

export const state = {
  me: null,
  sites: [],
  /** Open alarms held by the page (the loaded pages of both sections plus stream updates), by id. */
  alarms: new Map(),
  /** The list's filters: site id, level, state (each null for all). */
  filters: { site: null, level: null, state: null },
  /** nextCursor of each section's last loaded page: null when everything is loaded. */
  cursors: { active: null, cleared: null },
  /** Active stop-work orders by id. */
  orders: new Map(),
  devices: [],
  rules: [],
  selectedSite: null,
  /** The site of the open alarm detail (#/alarms/<id>): its readings are followed too. */
  detailSite: null,
  /** Rule id → kind (threshold, rate, dose), from /rules of the sites the page shows. */
  ruleKinds: new Map(),
  /** `site/ruleId` → direction (above, below) of a threshold rule: which reading is worse. */
  ruleDirections: new Map(),
  /** Alarm id → the worst reading the page has seen while the alarm is shown (its live peak). */
  livePeaks: new Map(),
  /** Last reading per `site/device/channel`: { value, tsMs }, from the stream. */
  lastReadings: new Map(),
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

/** Officers and admins act on alarms and orders; a viewer only watches. */
export function canAct() {
  return state.me?.role === 'officer' || state.me?.role === 'admin';
}

/** A site owner acknowledges its alarms too, but makes no other move (dashboard-api/src/roles.ts). */
export function canAck() {
  return canAct() || state.me?.role === 'owner';
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

export const isActive = (alarm) => alarm.state === 'active_unacked' || alarm.state === 'active_acked';

/** The list's filters as the API's query parameters. */
export function matchesFilters(alarm) {
  const f = state.filters;
  return (!f.site || alarm.site === f.site) && (!f.level || alarm.level === f.level) && (!f.state || alarm.state === f.state);
}

// The officer's order, the same as the API's sort=priority (dashboard-api/src/alarm-query.ts):
// active unacknowledged, active acknowledged, cleared unacknowledged, cleared; then by level red →
// blue (a cleared alarm by its peak); then newest; then id.
const STATE_RANK = { active_unacked: 0, active_acked: 1, cleared_unacked: 2, cleared: 3 };

export function byPriority(a, b) {
  const lv = (x) => levelRank(isActive(x) ? x.level : x.peakLevel);
  return (STATE_RANK[a.state] ?? 4) - (STATE_RANK[b.state] ?? 4) || lv(b) - lv(a) || b.raisedAtMs - a.raisedAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
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
  if (isOpen(alarm) && matchesFilters(alarm)) state.alarms.set(alarm.id, alarm);
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

/** Active alarms in the officer's order. */
export function activeAlarms() {
  return [...state.alarms.values()].filter(isActive).sort(byPriority);
}

/** Cleared alarms still open (unacknowledged, or orange/red awaiting close-out), same order. */
export function clearedAlarms() {
  return [...state.alarms.values()].filter((a) => !isActive(a)).sort(byPriority);
}

/** Every open alarm the page holds, in the officer's order. */
export function openAlarms() {
  return [...state.alarms.values()].sort(byPriority);
}

export function activeOrders() {
  return [...state.orders.values()].sort((a, b) => b.issuedAtMs - a.issuedAtMs);
}

export function siteOf(id) {
  return state.sites.find((s) => s.id === id) ?? null;
}

/** The site the gateway files its own alarms under (contract/alarm-kind.ts SYSTEM_SITE). */
const GATEWAY_SITE = '_gateway';

export function siteName(id) {
  if (id === GATEWAY_SITE) return t('gatewaySite');
  return siteOf(id)?.name ?? id;
}

/** The last reading the stream brought for this channel, or null. */
export function lastReading(site, device, channel) {
  return state.lastReadings.get(`${site}/${device}/${channel}`) ?? null;
}

export function recordReading(event) {
  for (const [channel, value] of Object.entries(event.readings ?? {})) {
    if (typeof value !== 'number') continue;
    const key = `${event.site}/${event.device}/${channel}`;
    const before = state.lastReadings.get(key);
    if (!before || before.tsMs <= event.tsMs) state.lastReadings.set(key, { value, tsMs: event.tsMs });
  }
}

/**
 * Fresh pages fetched after `since` (from mark()). An alarm changed by an event or an action
 * since then keeps that copy: the snapshot may have been read before the change.
 */
export function replaceAlarms(list, since) {
  const fresh = new Map();
  for (const alarm of list) if (!((touched.get(alarm.id) ?? 0) > since) && isOpen(alarm) && matchesFilters(alarm)) fresh.set(alarm.id, alarm);
  for (const [id, alarm] of state.alarms) if ((touched.get(id) ?? 0) > since) fresh.set(id, alarm);
  state.alarms = fresh;
  // Older marks are settled by this snapshot: forget them, so a screen left on for weeks stays small.
  for (const [id, at] of touched) if (at <= since) touched.delete(id);
}

/** A further page of one section: added to what is held. */
export function addAlarms(list) {
  for (const alarm of list) if (!state.alarms.has(alarm.id) && isOpen(alarm) && matchesFilters(alarm)) state.alarms.set(alarm.id, alarm);
}

export function replaceOrders(list) {
  state.orders = new Map();
  for (const order of list) upsertOrder(order);
}
