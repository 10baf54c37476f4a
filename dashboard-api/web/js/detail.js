// The alarm detail's data: opened from the address (#/alarms/<id>), read from the API (the alarm,
// its events, its site, the order it raised), then kept current from the store as the stream
// brings the alarm's moves, its orders and its readings.

import { api, ApiError, query } from './api.js';
import { canAct, siteOf, state } from './store.js';
import { closeAlarmDetail, renderAlarmDetail } from './views/alarm-detail.js';

const ROUTE = /^#\/alarms\/(.+)$/;

export function createAlarmDetail({ live, report, actions }) {
  let current = null; // { alarm, events, order, site } of the open alarm
  let openId = null;
  let seq = 0;
  let wasHeld = false; // the open alarm was in the store at the last refresh

  function show() {
    if (openId === null) return;
    renderAlarmDetail({ detail: current, missingId: openId, actions, canAct: canAct(), nowMs: Date.now(), onClose });
  }

  function onClose() {
    openId = null;
    current = null;
    live.followDetailSite(null);
    // Leave the alarm's address without adding a history entry per closed alarm.
    if (ROUTE.test(location.hash)) history.replaceState(null, '', location.pathname + location.search);
  }

  async function load(id) {
    const mine = ++seq;
    let body;
    try {
      body = await api.get(`/alarms/${encodeURIComponent(id)}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && mine === seq) {
        current = null;
        return show();
      }
      throw err;
    }
    const { orders } = await api.get(`/orders${query({ site: body.alarm.site, limit: 50 })}`);
    if (mine !== seq || openId !== id) return;
    current = { alarm: body.alarm, events: body.events, order: orders.find((o) => o.alarmId === id) ?? null, site: siteOf(body.alarm.site) };
    wasHeld = state.alarms.has(id);
    live.followDetailSite(body.alarm.site);
    show();
  }

  return {
    /** Opens the alarm the address names, or closes the detail when it names none. */
    fromHash() {
      const m = ROUTE.exec(location.hash);
      if (!m) return this.close();
      const id = decodeURIComponent(m[1]);
      if (id === openId) return;
      openId = id;
      current = null;
      load(id).catch(report);
    },
    /** The store changed: the open alarm's new state, order, value. Events are read again on a move. */
    refresh(part) {
      if (!current || openId === null) return;
      const held = state.alarms.get(openId);
      // The alarm moved (or left the list: acknowledged after clearing, closed out): read it and its events again.
      const moved = held ? held.updatedAtMs !== current.alarm.updatedAtMs || held.state !== current.alarm.state : wasHeld;
      wasHeld = held !== undefined;
      if (part === 'alarms' && moved) return void load(openId).catch(report);
      if (held) current = { ...current, alarm: held };
      const order = [...state.orders.values()].find((o) => o.alarmId === openId);
      // The page holds only orders in force: one that left them was lifted; read its record again.
      if (part === 'orders' && current.order?.state === 'active' && !order) return void load(openId).catch(report);
      if (order) current = { ...current, order };
      current = { ...current, site: siteOf(current.alarm.site) ?? current.site };
      show();
    },
    close() {
      if (openId !== null) closeAlarmDetail();
      openId = null;
      current = null;
    },
  };
}
