// The hazard ledger's list (隐患台账): filters by state, grade and overdue, one row per hazard with
// its grade (重大 marked), state, deadline and days left or overdue, a page at a time.

import { h, mount } from '../dom.js';
import { formatTime } from '../format.js';
import { ht } from '../hazard-text.js';
import { pager } from './pager.js';

const STATES = ['registered', 'graded', 'rectifying', 'acceptance_requested', 'closed'];
const DAY_MS = 86_400_000;

/** The state a person reads: an accepted fix waiting for 销号 is not "awaiting acceptance". */
export function stateWord(hz) {
  if (hz.state === 'acceptance_requested' && hz.acceptance?.result === 'passed') return ht('state_accepted');
  return ht(`state_${hz.state}`);
}

/** "剩 3 天" / "今天到期" / "逾期 2 天", counted in whole days to the end of the deadline day. */
export function deadlineWords(hz, nowMs) {
  if (!hz.plan) return ht('hzNoDeadline');
  if (hz.state === 'closed') return hz.plan.deadlineDate;
  const leftMs = hz.plan.deadlineMs - nowMs;
  // The API's `overdue` is the gateway's verdict (its clock, the site's calendar): it decides, the
  // browser's clock only counts the days.
  if (hz.overdue || leftMs < 0) return `${hz.plan.deadlineDate} · ${ht('hzDaysOver', { n: Math.max(1, Math.ceil(-leftMs / DAY_MS)) })}`;
  const days = Math.floor(leftMs / DAY_MS);
  return `${hz.plan.deadlineDate} · ${days === 0 ? ht('hzDueToday') : ht('hzDaysLeft', { n: days })}`;
}

export function gradeBadge(hz) {
  const grade = hz.grading?.grade;
  return h('span', { class: `hz-grade hz-grade-${grade ?? 'none'}` }, grade ? ht(`grade_${grade}`) : ht('gradeNone'));
}

function filters(root, { filter, onFilter }) {
  const select = (name, label, values, word) =>
    h(
      'label',
      {},
      `${label} `,
      h('select', { name, onchange: (e) => onFilter(name, e.target.value || undefined) }, h('option', { value: '' }, ht('hzAll')), values.map((v) => h('option', { value: v, selected: v === 'open' ? filter.open === 'true' : filter[name] === v }, word(v)))),
    );
  return h(
    'div',
    { class: 'hz-filters' },
    // 未销号 (every open state) first: what a county officer follows day to day.
    select('state', ht('hzFilterState'), ['open', ...STATES], (s) => (s === 'open' ? ht('hzOpen') : ht(`state_${s}`))),
    select('grade', ht('hzFilterGrade'), ['general', 'major'], (g) => ht(`grade_${g}`)),
    h('label', {}, h('input', { type: 'checkbox', name: 'overdue', checked: filter.overdue === 'true', onchange: (e) => onFilter('overdue', e.target.checked ? 'true' : undefined) }), ` ${ht('hzOverdueOnly')}`),
  );
}

/** Draws the list into `root`; `page` = { hazards, index, hasNext, loading }. */
export function renderHazardList(root, { page, filter, siteName, nowMs, canRegister, onFilter, onPage, onOpen, onRegister }) {
  const rows = page.hazards.map((hz) =>
    h(
      'li',
      { class: `hz-row${hz.overdue ? ' hz-overdue' : ''}${hz.grading?.grade === 'major' ? ' hz-major' : ''}`, dataset: { hazard: hz.id, state: hz.state } },
      h(
        'button',
        { type: 'button', class: 'hz-open', onclick: () => onOpen(hz.id) },
        h('span', { class: 'hz-row-head' }, gradeBadge(hz), h('span', { class: 'hz-state' }, stateWord(hz)), h('span', { class: 'hz-site' }, siteName(hz.site))),
        h('span', { class: 'hz-desc' }, hz.description),
        h('span', { class: 'hz-meta' }, h('span', { class: 'hz-deadline' }, `${ht('hzDeadline')}${ht('colon')}${deadlineWords(hz, nowMs)}`), h('span', {}, `${ht('hzFound')} ${formatTime(hz.foundAtMs)}`)),
      ),
    ),
  );
  mount(
    root,
    h('div', { class: 'hz-toolbar' }, filters(root, { filter, onFilter }), canRegister ? h('button', { type: 'button', class: 'primary hz-register', onclick: onRegister }, ht('hzRegister')) : null),
    rows.length ? h('ul', { class: 'hz-list' }, rows) : h('p', { class: 'empty' }, page.loading ? '…' : ht('hzNone')),
    pager({ index: page.index, pages: null, hasNext: page.hasNext, loading: page.loading, onPage }),
  );
}
