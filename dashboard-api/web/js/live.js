// Keeps the store current: the snapshot from the API, then the live stream for alarms, orders,
// devices and readings. After every (re)connect the snapshot is read again, covering anything
// the stream's replay buffer could not. The alarm list comes in the API's priority order, one page
// per section (active, cleared), with further pages on request.

import { api, query } from './api.js';
import { getToken } from './token.js';
import { addAlarms, changed, mark, openAlarms, recordReading, replaceAlarms, replaceOrders, state, upsertAlarm, upsertOrder } from './store.js';
import { levelRank } from './levels.js';
import { openStream } from './stream.js';

const PAGE = 100;
/** Sites whose readings the page follows for its alarm cards (the stream sends readings only for listed sites). */
const MAX_LIVE_SITES = 50;
const ACTIVE_STATES = ['active_unacked', 'active_acked'];
const CLEARED_STATES = ['cleared_unacked', 'cleared'];

/** The API query of one section under the officer's filters, or null when the filter excludes the section. */
function sectionQuery(section, cursor) {
  const f = state.filters;
  const states = (section === 'active' ? ACTIVE_STATES : CLEARED_STATES).filter((s) => !f.state || s === f.state);
  if (states.length === 0) return null;
  return `/alarms${query({ sort: 'priority', open: 'true', state: states.join(','), site: f.site, level: f.level, limit: PAGE, cursor })}`;
}

/** The devices' last values (as stored by the gateway) as readings, so a card shows the value now from the start. */
function seedReadings(devices) {
  for (const d of devices) {
    for (const c of d.channels ?? []) {
      if (typeof c.value === 'number' && typeof c.tsMs === 'number') recordReading({ site: d.site, device: d.id, tsMs: c.tsMs, readings: { [c.channel]: c.value } });
    }
  }
}

/** chart: the panel that gets the readings; report(err): tells the officer; onConnection(): stream state changed. */
export function createLive({ chart, report, onConnection }) {
  let stream = null;
  let streamSites = '';
  let running = false;

  async function loadSites() {
    const { sites } = await api.get('/sites');
    state.sites = sites;
    changed('sites');
  }

  async function loadAlarms() {
    const since = mark();
    const [active, cleared] = await Promise.all(
      ['active', 'cleared'].map((section) => {
        const path = sectionQuery(section, undefined);
        return path ? api.get(path) : Promise.resolve({ alarms: [], nextCursor: null });
      }),
    );
    replaceAlarms([...active.alarms, ...cleared.alarms], since);
    state.cursors = { active: active.nextCursor, cleared: cleared.nextCursor };
    changed('alarms');
    followSites();
  }

  async function loadSnapshot() {
    await loadAlarms();
    const { orders } = await api.get(`/orders${query({ state: 'active' })}`);
    replaceOrders(orders);
    await loadSites();
    changed('orders');
  }

  async function loadMore(section) {
    const path = sectionQuery(section, state.cursors[section]);
    if (!path || !state.cursors[section]) return;
    const page = await api.get(path);
    addAlarms(page.alarms);
    state.cursors = { ...state.cursors, [section]: page.nextCursor };
    changed('alarms');
    followSites();
  }

  async function loadSiteDetail() {
    const site = state.selectedSite;
    if (!site) return;
    const [{ devices }, { rules }] = await Promise.all([api.get(`/devices${query({ site })}`), api.get(`/rules${query({ site })}`)]);
    if (site !== state.selectedSite) return;
    state.devices = devices;
    state.rules = rules;
    for (const r of rules) state.ruleKinds.set(r.id, r.kind ?? 'threshold');
    seedReadings(devices);
    changed('devices');
    changed('readings');
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
        Promise.resolve(fn()).catch(report);
      }, ms);
    };
  }
  // The site list here names the sites of alarms and orders; the cards read their own page
  // (fleet-nav.js), so a move needs it only now and then.
  const reloadSites = throttle(loadSites, 5000);
  const reloadDevices = throttle(async () => {
    const site = state.selectedSite;
    if (!site) return;
    const { devices } = await api.get(`/devices${query({ site })}`);
    if (site === state.selectedSite) {
      state.devices = devices;
      seedReadings(devices);
      changed('devices');
    }
  }, 300);
  // Live values on the cards: at most a few repaints a second however fast readings come.
  const repaintValues = throttle(() => changed('readings'), 250);

  function onEvent(kind, data) {
    switch (kind) {
      case 'alarm':
        upsertAlarm(data.alarm);
        changed('alarms');
        reloadSites();
        followSites();
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
        recordReading(data);
        chart.onReading(data);
        repaintValues();
        break;
    }
  }

  /** The sites whose readings the page needs: the chart's, the open detail's, those of active alarms. */
  function wantedSites() {
    const sites = new Set();
    if (state.selectedSite) sites.add(state.selectedSite);
    if (state.detailSite) sites.add(state.detailSite);
    for (const a of openAlarms()) {
      if (sites.size >= MAX_LIVE_SITES) break;
      if (a.state.startsWith('active')) sites.add(a.site);
    }
    return [...sites].sort();
  }

  // Which rule is a threshold (its alarm's value is a reading to follow live) and which a rate or a
  // dose, for alarms from a gateway that does not yet say their kind. Read once per site shown.
  const rulesRead = new Set();
  async function learnRules(sites) {
    const fresh = sites.filter((s) => !rulesRead.has(s));
    if (fresh.length === 0) return;
    for (const s of fresh) rulesRead.add(s);
    const answers = await Promise.all(fresh.map((site) => api.get(`/rules${query({ site })}`)));
    for (const { rules } of answers) {
      for (const r of rules) {
        state.ruleKinds.set(r.id, r.kind ?? 'threshold');
        state.ruleDirections.set(`${r.site}/${r.id}`, r.direction);
      }
    }
    changed('readings');
  }

  /** Reconnects the stream when the set of followed sites changed (its replay covers the gap). */
  const followSites = throttle(() => {
    const sites = wantedSites();
    if (running && sites.join(',') !== streamSites) connect();
    return learnRules(sites);
  }, 1000);

  function connect() {
    stream?.close();
    const token = getToken();
    if (!running || !token) return;
    const sites = wantedSites();
    streamSites = sites.join(',');
    stream = openStream({
      token,
      sites,
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
    connect(); // readings come only for the listed sites
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
    /** The selected site's devices read again (one was added or removed through the page). */
    reloadSite: () => loadSiteDetail().catch(report),
    loadMore: (section) => loadMore(section).catch(report),
    /** The officer changed a filter: the list is read again under it. */
    setFilter(name, value) {
      state.filters = { ...state.filters, [name]: value };
      loadAlarms().catch(report);
    },
    /** The detail view follows this site's readings (null when it closes). */
    followDetailSite(site) {
      state.detailSite = site;
      followSites();
    },
  };
}
