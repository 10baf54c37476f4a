// Navigating the fleet: the region tree, the breadcrumbs, the search box and level filter over the
// site cards, and the 到期更换 (due for replacement) view. The selection lives in the address
// (#/region/<id>, #/region/<id>/due, #/due), so a link or the back button brings it back. Every
// filter is the API's (GET /regions, /sites, /devices/due): the page holds one page of sites.

import { api, ApiError, query } from './api.js';
import { showNotice } from './notice.js';
import { h, mount } from './dom.js';
import { levelLabel } from './levels.js';
import { t } from './i18n.js';
import { ft } from './fleet-text.js';
import { lineage, renderRegionTree } from './views/region-tree.js';
import { renderSiteCards } from './views/site-cards.js';
import { renderDueList } from './views/due-list.js';

/** Cards per page: a screenful on a phone, a few rows of a duty-room screen on a desktop. */
export const SITE_PAGE = window.matchMedia('(max-width: 520px)').matches ? 20 : 60;
const DUE_PAGE = 50;
const SEARCH_DELAY_MS = 300;
const DUE_WITHIN_DAYS = 30;
const LEVEL_FILTERS = ['red', 'orange', 'yellow', 'blue', 'none'];
const ROUTE = /^#\/(?:region\/([A-Za-z0-9_-]+))?\/?(due)?$/;

/** The address's selection, or null when the address is not the fleet's (an alarm's #/alarms/<id>). */
export function parseFleetHash(hash) {
  if (hash === '' || hash === '#' || hash === '#/') return { region: null, view: 'sites' };
  const m = ROUTE.exec(hash);
  if (!m) return null;
  return { region: m[1] ?? null, view: m[2] ? 'due' : 'sites' };
}

export function fleetHash({ region, view }) {
  const base = region ? `#/region/${region}` : '#';
  if (view === 'due') return region ? `${base}/due` : '#/due';
  return base;
}

/** YYYY-MM-DD of `ms` in the browser's own zone (the officer's calendar). */
export function localDay(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const emptyPage = () => ({ sites: [], devices: [], total: 0, index: 0, pages: 0, cursors: [undefined], loading: true });

/** root: the sites panel's body; selectedSite(): the chart's site; onSelectSite(id); report(err). */
export function createFleetNav({ root, selectedSite, onSelectSite, report }) {
  const nav = { region: null, view: 'sites', q: '', level: null, regions: [], expanded: new Set(), sites: emptyPage(), due: emptyPage() };
  let running = false;
  let seq = 0;
  let dueSeq = 0;
  let searchTimer = null;

  // ---- the skeleton, built once so the search box keeps its focus and caret while cards change ----
  const el = {
    tabs: h('div', { class: 'fleet-tabs', role: 'tablist' }),
    tree: h('div', { class: 'region-tree-body' }),
    // Folded on a phone, where the cards matter first; open beside them on a desktop.
    treeBox: h('details', { class: 'region-panel', open: window.matchMedia('(min-width: 901px)').matches }, h('summary', { class: 'region-summary' }, ft('regionsTitle'))),
    crumbs: h('nav', { class: 'breadcrumbs' }),
    search: h('input', { type: 'search', id: 'site-search', name: 'q', autocomplete: 'off', enterkeyhint: 'search' }),
    levels: h('div', { class: 'level-filter', role: 'group' }),
    summary: h('p', { class: 'fleet-summary', role: 'status', 'aria-live': 'polite' }),
    cards: h('div', { id: 'site-cards', class: 'site-cards' }),
    due: h('div', { id: 'due-list', class: 'due-panel' }),
  };
  el.treeBox.append(el.tree);
  el.sitesView = h('div', { class: 'fleet-sites' }, h('div', { class: 'fleet-toolbar' }, el.search, el.levels), el.summary, el.cards);
  mount(root, el.tabs, h('div', { class: 'fleet-layout' }, el.treeBox, h('div', { class: 'fleet-main' }, el.crumbs, el.sitesView, el.due)));
  el.search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    // Debounced: one query when the officer pauses, not one per character typed.
    searchTimer = setTimeout(() => {
      const q = el.search.value.trim();
      if (q === nav.q) return;
      nav.q = q;
      loadSites().catch(report);
    }, SEARCH_DELAY_MS);
  });

  // ---- reading --------------------------------------------------------------------------------

  async function loadRegions() {
    const { regions } = await api.get('/regions');
    nav.regions = regions;
    // The first time the roots open (their children show); later the officer's choice stays.
    if (nav.expanded.size === 0) for (const r of regions) if (!r.parent) nav.expanded.add(r.id);
    for (const r of lineage(regions, nav.region)) nav.expanded.add(r.id);
    renderTree();
    renderCrumbs();
  }

  /**
   * Page `index` of the sites under the filters: 0 with fresh filters (the cursors and the count
   * are dropped); `keep` reads the page shown again (a refresh), its count standing meanwhile.
   */
  async function loadSites(index = 0, { keep = false } = {}) {
    const mine = ++seq;
    if (index === 0 && !keep) nav.sites = { ...emptyPage(), sites: nav.sites.sites };
    nav.sites.loading = true;
    renderSummary();
    const cursor = nav.sites.cursors[index];
    const body = await api.get(`/sites${query({ region: nav.region, q: nav.q || undefined, level: nav.level, limit: SITE_PAGE, cursor })}`);
    if (mine !== seq) return; // a newer filter's answer is on its way
    const cursors = nav.sites.cursors.slice(0, index + 1);
    cursors[index + 1] = body.next ?? undefined;
    nav.sites = { sites: body.sites, total: body.total, index, pages: Math.max(1, Math.ceil(body.total / SITE_PAGE)), cursors, loading: false };
    renderCards();
    renderSummary();
  }

  async function loadDue(index = 0) {
    const mine = ++dueSeq;
    if (index === 0) nav.due = { ...emptyPage(), devices: nav.due.devices };
    nav.due.loading = true;
    const before = localDay(Date.now() + DUE_WITHIN_DAYS * 86_400_000);
    const body = await api.get(`/devices/due${query({ before, region: nav.region, limit: DUE_PAGE, cursor: nav.due.cursors[index] })}`);
    if (mine !== dueSeq) return;
    const cursors = nav.due.cursors.slice(0, index + 1);
    cursors[index + 1] = body.next ?? undefined;
    // The count is of the devices from this page on: the first page's is the list's.
    const first = index === 0 ? { total: body.total, totalCapped: body.totalCapped === true } : { total: nav.due.total, totalCapped: nav.due.totalCapped };
    const pages = first.totalCapped ? null : Math.max(1, Math.ceil(first.total / DUE_PAGE));
    nav.due = { devices: body.devices, ...first, index, pages, cursors, loading: false };
    renderTabs();
    renderDue();
  }

  // ---- drawing --------------------------------------------------------------------------------

  function regionTrail(id, fallback) {
    const names = lineage(nav.regions, id).map((r) => r.name);
    return names.length ? names.slice(-3).join(' › ') : (fallback ?? id);
  }

  function renderTree() {
    renderRegionTree(el.tree, {
      regions: nav.regions,
      selected: nav.region,
      expanded: nav.expanded,
      onSelect: (id) => go({ region: id, view: nav.view }),
      onToggle: (id) => {
        if (nav.expanded.has(id)) nav.expanded.delete(id);
        else nav.expanded.add(id);
        renderTree();
      },
    });
  }

  function renderCrumbs() {
    const trail = lineage(nav.regions, nav.region);
    // The folded tree on a phone still says where the officer is.
    el.treeBox.querySelector('summary').textContent = trail.length ? `${ft('regionsTitle')} · ${trail.at(-1).name}` : ft('regionsTitle');
    const crumb = (label, region, current) =>
      current ? h('span', { class: 'crumb', 'aria-current': 'location' }, label) : h('button', { type: 'button', class: 'crumb link', dataset: { region: region ?? '' }, onclick: () => go({ region, view: nav.view }) }, label);
    el.crumbs.setAttribute('aria-label', ft('breadcrumbs'));
    mount(
      el.crumbs,
      crumb(ft('allRegions'), null, trail.length === 0),
      trail.map((r, i) => [h('span', { class: 'crumb-sep', 'aria-hidden': 'true' }, '›'), crumb(r.name, r.id, i === trail.length - 1)]),
    );
  }

  function renderTabs() {
    const tab = (view, label) =>
      h('button', { type: 'button', role: 'tab', class: 'fleet-tab', dataset: { view }, 'aria-selected': nav.view === view ? 'true' : 'false', onclick: () => go({ region: nav.region, view }) }, label);
    const dueLabel = nav.due.loading && nav.due.total === 0 ? ft('tabDue') : `${ft('tabDue')} (${nav.due.total}${nav.due.totalCapped ? '+' : ''})`;
    mount(el.tabs, tab('sites', ft('tabSites')), tab('due', dueLabel));
    el.sitesView.hidden = nav.view !== 'sites';
    el.due.hidden = nav.view !== 'due';
  }

  function renderLevels() {
    const chip = (level, label) =>
      h(
        'button',
        { type: 'button', class: `level-chip level-${level ?? 'all'}`, dataset: { levelFilter: level ?? 'all' }, 'aria-pressed': nav.level === level ? 'true' : 'false', onclick: () => setLevel(level) },
        label,
      );
    el.levels.setAttribute('aria-label', ft('levelFilter'));
    mount(el.levels, chip(null, ft('allLevels')), LEVEL_FILTERS.map((l) => chip(l, l === 'none' ? t('normal') : levelLabel(l).split(' ')[0])));
  }

  function renderSummary() {
    const n = nav.sites.total;
    const region = nav.regions.find((r) => r.id === nav.region);
    // pages is 0 until the first answer under these filters: no count to say yet.
    el.summary.textContent = nav.sites.pages === 0 ? ft('loading') : region ? ft('sitesFoundIn', { region: region.name, n }) : ft('sitesFound', { n });
  }

  function renderCards() {
    renderSiteCards(el.cards, {
      page: nav.sites,
      selectedSite: selectedSite(),
      onSelect: onSelectSite,
      onPage: (step) => loadSites(nav.sites.index + step).then(() => el.cards.scrollIntoView?.({ block: 'nearest' })).catch(report),
      regionTrail,
    });
  }

  function renderDue() {
    renderDueList(el.due, { page: nav.due, today: localDay(Date.now()), onPage: (step) => loadDue(nav.due.index + step).catch(report) });
  }

  function renderAll() {
    el.search.placeholder = ft('searchSites');
    el.search.setAttribute('aria-label', ft('searchSites'));
    renderTabs();
    renderLevels();
    renderTree();
    renderCrumbs();
    renderSummary();
    renderCards();
    renderDue();
  }

  // ---- moving ---------------------------------------------------------------------------------

  function setLevel(level) {
    nav.level = level;
    renderLevels();
    loadSites().catch(report);
  }

  /** Applies a selection (from a click or the address) and reads what it shows. */
  function apply({ region, view }) {
    const regionChanged = region !== nav.region;
    nav.region = region;
    nav.view = view;
    for (const r of lineage(nav.regions, region)) nav.expanded.add(r.id);
    renderTabs();
    renderTree();
    renderCrumbs();
    if (!running) return;
    if (regionChanged || nav.sites.pages === 0) loadSites().catch(regionGone);
    if (regionChanged || nav.due.pages === 0) loadDue().catch(regionGone);
  }

  /** A move by the officer: into the address (a history entry, so Back returns), then applied. */
  function go(selection) {
    const hash = fleetHash(selection);
    if (location.hash !== hash && !(hash === '#' && location.hash === '')) history.pushState(null, '', hash === '#' ? location.pathname + location.search : hash);
    apply(selection);
  }

  window.addEventListener('hashchange', () => {
    const selection = parseFleetHash(location.hash);
    if (selection && running) apply(selection);
  });
  window.addEventListener('popstate', () => {
    const selection = parseFleetHash(location.hash);
    if (selection && running) apply(selection);
  });

  /**
   * A region the address names that the API does not know for this officer (removed, or outside
   * his scope: a link from a colleague of another county): say so and show every site he may see.
   */
  function regionGone(err) {
    if (!(err instanceof ApiError && err.status === 404)) return report(err);
    if (nav.region === null) return; // the other read of the same address has already gone back
    showNotice(ft('regionGone', { region: nav.region }));
    go({ region: null, view: nav.view });
  }

  renderAll();

  return {
    async start() {
      running = true;
      const selection = parseFleetHash(location.hash) ?? { region: null, view: 'sites' };
      nav.region = selection.region;
      nav.view = selection.view;
      renderTabs();
      await Promise.all([loadRegions(), loadSites().catch(regionGone), loadDue().catch(regionGone)]);
    },
    stop() {
      running = false;
      seq++;
      dueSeq++;
    },
    /** Alarms or orders moved: the page of cards shown is read again. */
    async refreshCards() {
      if (running) await loadSites(nav.sites.index, { keep: true }).catch(regionGone);
    },
    /** ... and the tree's counts. */
    async refreshTree() {
      if (running) await loadRegions();
    },
    /** The chart's site changed: the cards mark it. */
    renderSelection: () => renderCards(),
    /** The language changed. */
    render: renderAll,
  };
}
