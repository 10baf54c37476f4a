// 到期更换: the devices whose service life (CJJ/T 146-2011) ends within 30 days or has ended,
// most overdue first, each with its site, region, installation day and replacement day. The basis
// is printed above the list: an owner told to replace a working detector asks why.

import { h, mount } from '../dom.js';
import { ft } from '../fleet-text.js';
import { pager } from './pager.js';

const DAY_MS = 86_400_000;

/** Whole days from `today` to `day` (both YYYY-MM-DD): negative when `day` has passed. */
export function daysUntil(day, today) {
  return Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS);
}

function status(days) {
  if (days < 0) return { cls: 'due-overdue', text: ft('overdueBy', { n: -days }) };
  if (days === 0) return { cls: 'due-overdue', text: ft('dueToday') };
  return { cls: 'due-soon', text: ft('dueIn', { n: days }) };
}

function row(d, today) {
  const s = status(daysUntil(d.replaceBy, today));
  const kind = ft(`kind_${d.kind}`);
  return h(
    'li',
    { class: `due-item ${s.cls}`, dataset: { site: d.site, device: d.id, replaceBy: d.replaceBy } },
    h('span', { class: 'due-status' }, s.text),
    h(
      'div',
      { class: 'due-body' },
      h('strong', {}, `${d.siteName} · ${kind.startsWith('kind_') ? d.kind : kind} ${d.id}`),
      h('span', { class: 'due-meta' }, [d.regionName, d.installedOn ? ft('installedOn', { day: d.installedOn }) : null, ft('replaceBy', { day: d.replaceBy })].filter(Boolean).join(' · ')),
    ),
  );
}

/** page: { devices, total, totalCapped, index, pages (null: unknown), cursors, loading }; today: YYYY-MM-DD in the officer's zone. */
export function renderDueList(el, { page, today, onPage }) {
  mount(
    el,
    h('h3', { class: 'due-title' }, ft('dueTitle')),
    h('p', { class: 'due-basis' }, ft('dueBasis')),
    page.devices.length === 0
      ? h('p', { class: 'empty' }, page.loading ? ft('loading') : ft('dueNone'))
      : [h('p', { class: 'due-count' }, ft(page.totalCapped ? 'dueCountAtLeast' : 'dueCount', { n: page.total })), h('ol', { class: 'due-list' }, page.devices.map((d) => row(d, today)))],
    pager({ index: page.index, pages: page.pages, hasNext: Boolean(page.cursors[page.index + 1]), loading: page.loading, onPage }),
  );
}
