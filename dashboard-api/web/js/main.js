// Boots the page: the token form, then the live dashboard (live.js); renders the views from the
// store, and opens an alarm's detail from its link (#/alarms/<id>, as every notification carries).

import { api, ApiError, onUnauthorized } from './api.js';
import { currentLang, setLang, t } from './i18n.js';
import { getToken, setToken } from './token.js';
import { endSession, focusLogin, mountPasswordLogin, renderLoginTexts, showLoginError, unauthorizedMessage } from './session.js';
import { activeAlarms, activeOrders, canAct, clearedAlarms, siteName, state, subscribe } from './store.js';
import { createLive } from './live.js';
import { describeError } from './errors.js';
import { showNotice } from './notice.js';
import { alarmActions, orderActions } from './actions.js';
import { createFleetNav } from './fleet-nav.js';
import { createSitePicker } from './views/site-picker.js';
import { renderAlarmFilters, renderAlarmList } from './views/alarm-list.js';
import { renderAlarmExport } from './views/alarm-export.js';
import { renderOrderBanners } from './views/order-banners.js';
import { renderDevices } from './views/devices.js';
import { createChartPanel } from './views/chart-panel.js';
import { createAlarmDetail } from './detail.js';
import { createSiteAdmin } from './views/site-admin.js';
import { createHazardLedger } from './views/hazard-ledger.js';
import { ht } from './hazard-text.js';
import { createAdminPanel } from './views/admin-panel.js';

const $ = (id) => document.getElementById(id);
const ROLE_KEYS = { viewer: 'roleViewer', owner: 'roleOwner', officer: 'roleOfficer', admin: 'roleAdmin' };

let running = false;
const chart = createChartPanel({ select: $('sensor-select'), chartEl: $('chart'), emptyEl: $('chart-empty'), onError: report });
const live = createLive({ chart, report, onConnection: () => renderTexts() });
const detail = createAlarmDetail({ live, report, actions: alarmActions });
const fleet = createFleetNav({ root: $('sites'), selectedSite: () => state.selectedSite, onSelectSite: (site) => live.selectSite(site), report });
const siteAdmin = createSiteAdmin({ root: $('site-admin'), onSiteChanged: () => refreshFleet(), onDevicesChanged: () => live.reloadSite(), report });
const hazards = createHazardLedger({ root: $('hazards'), me: () => state.me, site: () => state.selectedSite, siteName, report });
const admin = createAdminPanel({ root: $('admin'), onRegionsChanged: () => refreshFleet(), report });
const sitePicker = createSitePicker({ onPick: (site) => live.setFilter('site', site), report });

function report(err) {
  if (err instanceof ApiError && err.status === 401) return; // the login form is already back
  showNotice(describeError(err));
}

// ---- rendering -------------------------------------------------------------------------------

function renderTexts() {
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  renderLoginTexts();
  document.title = t('title');
  $('lang-switch').textContent = t('langSwitch');
  $('connection').textContent = t(state.connection === 'live' ? 'live' : state.connection === 'offline' ? 'offline' : 'connecting');
  $('connection').dataset.state = state.connection;
  $('whoami').textContent = state.me ? `${state.me.name} · ${t(ROLE_KEYS[state.me.role] ?? state.me.role)}` : '';
  $('chart-site').textContent = state.selectedSite ? siteName(state.selectedSite) : '';
  $('hazards-title').textContent = ht('hazardsTitle');
}

function renderAlarms() {
  renderAlarmList($('alarms'), {
    active: activeAlarms(),
    cleared: clearedAlarms(),
    cursors: state.cursors,
    showCleared: Boolean(state.filters.state?.startsWith('cleared')),
    onMore: (section) => live.loadMore(section),
    siteName,
    actions: alarmActions,
    canAct: canAct(),
    nowMs: Date.now(),
  });
}

/**
 * `fn` at once, and calls made while it runs or within `ms` after it as one more call then: a
 * burst of stream events costs two reads, however long it lasts.
 */
function coalesce(fn, ms) {
  let busy = false;
  let again = false;
  const run = () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    Promise.resolve()
      .then(fn)
      .catch(report)
      .finally(() =>
        setTimeout(() => {
          busy = false;
          if (again) {
            again = false;
            run();
          }
        }, ms),
      );
  };
  return run;
}

// The site cards read their own page (fleet-nav.js): an alarm or an order that moved reads the
// cards again at once (at most 4 a second, one request each) and the tree's counts at most every
// 2 s; with the alarm list and the stream that stays well inside a token's 600 requests a minute.
let seenSites = null;
const refreshCards = coalesce(() => fleet.refreshCards(), 250);
const refreshTree = coalesce(() => fleet.refreshTree(), 2000);
function refreshFleet() {
  refreshCards();
  refreshTree();
}

function render(part) {
  const all = part === 'all';
  if (all) fleet.render();
  else if (part === 'alarms' || part === 'orders' || (part === 'sites' && state.sites !== seenSites)) refreshFleet();
  else if (part === 'sites') fleet.renderSelection();
  if (part === 'sites') seenSites = state.sites;
  if (all) renderAlarmFilters($('alarm-filters'), { picker: sitePicker, filters: state.filters, onFilter: (name, value) => live.setFilter(name, value) });
  // Every role reads, so every role may export. Drawn once (and on a language switch), not with
  // each alarm, so a date being typed keeps its focus; it reads the filters when clicked.
  if (all) renderAlarmExport($('alarm-export'), { filters: () => state.filters, report });
  if (all || part === 'alarms' || part === 'sites' || part === 'readings') renderAlarms();
  if (all || part === 'orders' || part === 'sites') renderOrderBanners($('orders'), { orders: activeOrders(), siteName, actions: orderActions, canAct: canAct() });
  if (all || part === 'devices') renderDevices($('devices'), { devices: state.devices });
  if (all || part === 'devices' || part === 'sites') siteAdmin.render({ site: state.selectedSite, role: state.me?.role, devicesEl: $('devices') });
  if (all || part === 'alarms' || part === 'orders' || part === 'readings' || part === 'sites') detail.refresh(part);
  renderTexts();
}

subscribe(render);
// A silent detector's card counts its silence on; a quiet gateway sends nothing that would redraw it.
setInterval(() => render('alarms'), 15_000);

// ---- session ---------------------------------------------------------------------------------

async function start() {
  state.me = await api.get('/me');
  running = true;
  $('login').hidden = true;
  $('dashboard').hidden = false;
  $('logout').hidden = false;
  render('all');
  // The ledger apart: its failure (a build without it answers 501) must not keep an alarm's link from opening.
  hazards.start().catch(report);
  admin.start(state.me).catch(report);
  await Promise.all([live.start(), fleet.start()]);
  detail.fromHash();
  hazards.fromHash();
}

function stop() {
  running = false;
  live.stop();
  fleet.stop();
  hazards.stop();
  admin.stop();
  detail.close();
  state.me = null;
}

/** Back to the login: `message` under the token form, `sessionMessage` under the password form. */
function showLogin(message, sessionMessage) {
  stop();
  $('dashboard').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('login-error').hidden = !message;
  $('login-error').textContent = message ?? '';
  showLoginError(sessionMessage ?? null);
  renderTexts();
  focusLogin();
}

// An expired or ended session says so above the password form; anything else is a bad token.
onUnauthorized((body) => {
  const ended = unauthorizedMessage(body);
  showLogin(ended ? undefined : t('loginBad'), ended ?? undefined);
});
mountPasswordLogin({ section: $('login'), tokenForm: $('login-form'), onLoggedIn: () => start().catch(report) });

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = $('token-input').value.trim();
  if (!token) return;
  setToken(token);
  $('token-input').value = '';
  start().catch(report);
});

$('logout').addEventListener('click', () => {
  showLogin();
  endSession().catch(report);
});

$('lang-switch').addEventListener('click', () => {
  setLang(currentLang() === 'zh' ? 'en' : 'zh');
  render('all');
  if (running) hazards.render();
  if (running) admin.renderTexts();
  if (running) chart.reload().catch(report); // the series label and level words
});

window.addEventListener('hashchange', () => {
  if (running) detail.fromHash();
  if (running) hazards.fromHash();
});

setLang(currentLang());
render('all');
if (getToken()) start().catch(report);
else showLogin();
