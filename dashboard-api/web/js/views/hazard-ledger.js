// The 隐患台账 panel: the ledger's list, one hazard's detail with its progress log and the acts the
// caller's role may take next, and the registration form. Reads /api/v1/hazards (scoped by the
// API); a refusal (four eyes, an incomplete 五落实) is said inside the form, in the page's language.

import { api, query } from '../api.js';
import { h, mount } from '../dom.js';
import { describeError } from '../errors.js';
import { formatTime } from '../format.js';
import { hazardRefusal, ht } from '../hazard-text.js';
import { deadlineWords, gradeBadge, renderHazardList, stateWord } from './hazard-list.js';
import { ACT_FORMS, actForm, nextActs, registerBody, registerFields } from './hazard-forms.js';

const PAGE = 20;
/**
 * The stream carries no ledger moves, so the list reads its page again each minute while shown: a
 * duty-room screen sees new and overdue hazards, and 1 000 open pages cost ~17 requests a second.
 */
const REFRESH_MS = 60_000;
/** The address a deadline reminder or an overdue notice carries (gateway/src/notify/hazard-notice.ts). */
const ROUTE = /^#\/hazards\/(.+)$/;

/** `root`: the panel's body. `me()`: the caller ({ role }); `site()`: the site the page shows. */
export function createHazardLedger({ root, me, site, siteName, report }) {
  const view = { mode: 'list', id: null, hazard: null, trail: [], form: null };
  const filter = {};
  const page = { hazards: [], index: 0, hasNext: false, loading: false, cursors: [undefined], next: undefined };
  let running = false;
  let refresh = null;

  const searchSites = async (q) => (await api.get(`/sites${query({ q, limit: 10 })}`)).sites;
  const say = (err) => new Error(hazardRefusal(err) ?? describeError(err));

  async function loadPage() {
    page.loading = true;
    draw();
    try {
      const res = await api.get(`/hazards${query({ ...filter, limit: PAGE, after: page.cursors[page.index] })}`);
      page.hazards = res.hazards;
      page.hasNext = res.next !== undefined;
      page.cursors[page.index + 1] = res.next;
    } finally {
      page.loading = false;
      draw();
    }
  }

  async function open(id) {
    const res = await api.get(`/hazards/${encodeURIComponent(id)}`);
    Object.assign(view, { mode: 'detail', id, hazard: res.hazard, trail: res.trail, form: null });
    draw();
  }

  async function act(name, values) {
    const spec = ACT_FORMS[name];
    try {
      await api.post(`/hazards/${encodeURIComponent(view.id)}/${spec.path}`, spec.body(values));
    } catch (err) {
      throw say(err);
    }
    await open(view.id);
    loadPage().catch(report);
  }

  async function register(values) {
    let res;
    try {
      res = await api.post('/hazards', registerBody(values));
    } catch (err) {
      throw say(err);
    }
    await open(res.hazard.id);
    page.index = 0;
    page.cursors = [undefined];
    loadPage().catch(report);
  }

  function back() {
    Object.assign(view, { mode: 'list', id: null, hazard: null, trail: [], form: null });
    // Leave the hazard's address without a history entry, as the alarm detail does.
    if (ROUTE.test(location.hash)) history.replaceState(null, '', location.pathname + location.search);
    draw();
  }

  function drawList() {
    renderHazardList(root, {
      page,
      filter,
      siteName,
      nowMs: Date.now(),
      canRegister: ['owner', 'officer', 'admin'].includes(me()?.role),
      onFilter: (name, value) => {
        // 'open' in the state list is the API's own open=true (every state but closed).
        if (name === 'state') delete filter.open;
        if (value === undefined) delete filter[name];
        else if (name === 'state' && value === 'open') {
          delete filter.state;
          filter.open = 'true';
        } else filter[name] = value;
        page.index = 0;
        page.cursors = [undefined];
        loadPage().catch(report);
      },
      onPage: (step) => {
        page.index = Math.max(0, page.index + step);
        loadPage().catch(report);
      },
      onOpen: (id) => open(id).catch(report),
      onRegister: () => {
        Object.assign(view, { mode: 'register' });
        draw();
      },
    });
  }

  function drawRegister() {
    mount(root, actForm({ action: 'register', title: ht('hzRegister'), fields: registerFields({ site: site(), search: searchSites, report }), onSubmit: register, onCancel: back }));
  }

  function facts(hz) {
    const row = (label, value) => (value === null || value === undefined || value === '' ? null : h('div', { class: 'hz-fact' }, h('dt', {}, label), h('dd', {}, value)));
    const plan = hz.plan;
    return h(
      'dl',
      { class: 'hz-facts' },
      row(ht('hzSite'), siteName(hz.site)),
      row(ht('hzSource'), ht(`source_${hz.source}`)),
      row(ht('hzCategory'), ht(`cat_${hz.category}`)),
      row(ht('hzLocation'), hz.location),
      row(ht('hzFoundBy'), `${hz.foundBy} · ${formatTime(hz.foundAtMs)}`),
      row(ht('hzDescription'), hz.description),
      row(ht('hzCriterion'), hz.grading?.basis ? `${ht(`basis_${hz.grading.basis}`)}${hz.grading.criterion ? ` · ${hz.grading.criterion}` : ''}` : null),
      row(ht('hzDeadline'), deadlineWords(hz, Date.now())),
      plan ? row(ht('hzResponsible'), plan.responsible) : null,
      plan ? row(ht('hzMeasures'), plan.measures) : null,
      plan ? row(ht('hzFunds'), plan.fundsYuan === null ? '—' : String(plan.fundsYuan)) : null,
      plan ? row(ht('hzEmergencyPlan'), plan.emergencyPlan ?? '—') : null,
      row(ht('hzSupervision'), hz.supervision ? `${ht(`level_${hz.supervision.level}`)} · ${hz.supervision.authority} · ${hz.supervision.noticeNumber}` : null),
      row(ht('hzOrder'), hz.stopWorkOrderId),
      row(ht('hzNoOrderReason'), hz.noOrderReason?.note),
      row(ht('hzAcceptance'), hz.acceptance ? `${hz.acceptance.result === 'passed' ? ht('act_accept') : ht('act_refuse')} · ${hz.acceptance.by} · ${hz.acceptance.evidence || hz.acceptance.note}` : null),
    );
  }

  function drawDetail() {
    const hz = view.hazard;
    const acts = nextActs(hz, me()?.role);
    const majorNoOrder = hz.state !== 'closed' && hz.grading?.grade === 'major' && !hz.stopWorkOrderId && !hz.noOrderReason;
    const form = view.form
      ? actForm({ action: view.form, title: ht(`act_${view.form}`), fields: ACT_FORMS[view.form].fields(), onSubmit: (values) => act(view.form, values), onCancel: () => ((view.form = null), draw()) })
      : null;
    mount(
      root,
      h('button', { type: 'button', class: 'link hz-back', onclick: back }, ht('hzBack')),
      h(
        'article',
        { class: `hz-detail${hz.overdue ? ' hz-overdue' : ''}`, dataset: { hazard: hz.id, state: hz.state } },
        h('h3', { class: 'hz-title' }, gradeBadge(hz), ' ', h('span', { class: 'hz-state' }, stateWord(hz)), ' ', h('span', { class: 'hz-id' }, hz.id)),
        hz.closure ? h('p', { class: 'hz-closed' }, `${ht('hzClosure')} · ${ht('hzClosedBy', { name: hz.closure.by, time: formatTime(hz.closure.atMs) })}`) : null,
        majorNoOrder ? h('p', { class: 'hz-warn', role: 'note' }, ht('hzMajorNoOrder')) : null,
        facts(hz),
        h('h4', {}, ht('hzNextActs')),
        acts.length
          ? h('div', { class: 'hz-acts' }, acts.map((a) => h('button', { type: 'button', dataset: { act: a }, class: a === 'close' || a === 'accept' ? 'primary' : undefined, onclick: () => ((view.form = a), draw()) }, ht(`act_${a}`))))
          : h('p', { class: 'empty' }, ht('hzNoActs')),
        form,
        h('h4', {}, ht('hzTrail')),
        h('ol', { class: 'hz-trail' }, view.trail.map((e) => h('li', { dataset: { kind: e.kind } }, h('time', {}, formatTime(e.atMs)), ' ', h('strong', {}, ht(`trail_${e.kind}`)), ` · ${e.actor}`, e.note ? h('div', { class: 'hz-note' }, e.note) : null))),
      ),
    );
    root.querySelector('.hz-form [name]')?.focus();
  }

  function draw() {
    if (!running) return;
    if (view.mode === 'detail' && view.hazard) drawDetail();
    else if (view.mode === 'register') drawRegister();
    else drawList();
  }

  return {
    start() {
      running = true;
      clearInterval(refresh);
      refresh = setInterval(() => {
        // A detail or a half-filled form stays as it is; a hidden tab asks nothing.
        if (view.mode === 'list' && !page.loading && !document.hidden) loadPage().catch(report);
      }, REFRESH_MS);
      page.index = 0;
      page.cursors = [undefined];
      return loadPage();
    },
    stop() {
      running = false;
      clearInterval(refresh);
      refresh = null;
      back();
      mount(root);
    },
    /** Opens the hazard the address names (a notice's link); an address naming none leaves the panel as it is. */
    fromHash() {
      const m = ROUTE.exec(location.hash);
      if (!m) return;
      const id = decodeURIComponent(m[1]);
      if (view.mode === 'detail' && view.id === id) return;
      open(id)
        .then(() => root.closest('section')?.scrollIntoView({ block: 'start' }))
        .catch(report);
    },
    /** A language switch: the same view in the new words (a half-filled form is kept). */
    render() {
      if (view.mode === 'list') draw();
      else if (view.mode === 'detail' && !view.form) draw();
    },
  };
}
