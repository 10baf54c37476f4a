// Keeps the store current: the snapshot from the API, then the live stream for alarms, orders,
// devices and the selected site's readings. After every (re)connect the snapshot is read again,
// covering anything the stream's replay buffer could not.

import { api, query } from './api.js';
import { getToken } from './token.js';
import { changed, mark, openAlarms, replaceAlarms, replaceOrders, state, upsertAlarm, upsertOrder } from './store.js';
import { levelRank } from './levels.js';
import { openStream } from './stream.js';

/** chart: the panel that gets the readings; report(err): tells the officer; onConnection(): stream state changed. */
export function createLive({ chart, report, onConnection }) {
  let stream = null;
  let running = false;

  async function loadSites() {
    const { sites } = await api.get('/sites');
    state.sites = sites;
    changed('sites');
  }

  async function loadSnapshot() {
    const since = mark();
    const lists = await Promise.all([
      api.get(`/alarms${query({ active: 'true', limit: 500 })}`),
      api.get(`/alarms${query({ state: 'cleared_unacked', limit: 500 })}`),
      api.get(`/alarms${query({ state: 'cleared', limit: 500 })}`),
    ]);
    replaceAlarms(lists.flatMap((l) => l.alarms), since);
    const { orders } = await api.get(`/orders${query({ state: 'active' })}`);
    replaceOrders(orders);
    await loadSites();
    changed('alarms');
    changed('orders');
  }

  async function loadSiteDetail() {
    const site = state.selectedSite;
    if (!site) return;
    const [{ devices }, { rules }] = await Promise.all([api.get(`/devices${query({ site })}`), api.get(`/rules${query({ site })}`)]);
    if (site !== state.selectedSite) return;
    state.devices = devices;
    state.rules = rules;
    changed('devices');
    // Open on the sensor of the site's worst open alarm: the one the officer will ask about.
    const worst = openAlarms().filter((a) => a.site === site).sort((a, b) => levelRank(b.level) - levelRank(a.level))[0];
    await chart.setSite({ site, devices, rules, preferred: worst ? `${worst.device}/${worst.channel}` : undefined });
  }

  /** Many events in a burst → one reload at most every `ms` (never postponed by a steady flood). */
  function throttle(fn, ms) {
    let timer = null;
    return () => {
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        fn().catch(report);
      }, ms);
    };
  }
  const reloadSites = throttle(loadSites, 300);
  const reloadDevices = throttle(async () => {
    const site = state.selectedSite;
    if (!site) return;
    const { devices } = await api.get(`/devices${query({ site })}`);
    if (site === state.selectedSite) {
      state.devices = devices;
      changed('devices');
    }
  }, 300);

  function onEvent(kind, data) {
    switch (kind) {
      case 'alarm':
        upsertAlarm(data.alarm);
        changed('alarms');
        reloadSites();
        break;
      case 'order':
        upsertOrder(data.order);
        changed('orders');
        reloadSites();
        break;
      case 'device':
        if (data.site === state.selectedSite) reloadDevices();
        break;
      case 'reading':
        chart.onReading(data);
        break;
    }
  }

  function connect() {
    stream?.close();
    const token = getToken();
    if (!running || !token) return;
    stream = openStream({
      token,
      sites: state.selectedSite ? [state.selectedSite] : [],
      onEvent,
      // After every (re)connect the snapshot covers anything the replay buffer could not.
      onOpen: () => loadSnapshot().catch(report),
      onStatus: (s) => {
        state.connection = s;
        onConnection();
      },
      onClosed: () => {
        // The server refused the stream: a revoked token shows the form (via the 401); anything
        // else is tried again shortly.
        api
          .get('/me')
          .then(() => setTimeout(() => running && connect(), 3000))
          .catch(report);
      },
    });
  }

  function selectSite(site) {
    if (site === state.selectedSite) return;
    state.selectedSite = site;
    state.devices = [];
    changed('sites');
    changed('devices');
    connect(); // readings come only for the listed site
    loadSiteDetail().catch(report);
  }

  return {
    /** Loads the snapshot, picks the worst site and goes live. */
    async start() {
      running = true;
      await loadSnapshot();
      const worst = [...state.sites].sort((a, b) => levelRank(b.worstLevel) - levelRank(a.worstLevel))[0];
      state.selectedSite = worst?.id ?? null;
      changed('sites');
      connect();
      await loadSiteDetail();
    },
    stop() {
      running = false;
      stream?.close();
      stream = null;
    },
    selectSite,
  };
}
