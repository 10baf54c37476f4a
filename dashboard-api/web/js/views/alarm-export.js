// The 导出 control under the alarm filters: the alarms of the chosen days, with the list's
// current site, level and state filters, downloaded as CSV or XLSX for the safety bureau's
// report. The file comes from GET /api/v1/export/alarms with the page's token; the days are
// read on this screen's clock.

import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { download, query } from '../api.js';

const DAY_MS = 86_400_000;

/** `2026-12-07` on this screen's clock. */
function dayOf(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The export's query: [from 00:00, to 24:00) on this screen's clock, and the list's filters. */
export function exportQuery({ from, to, format, filters }) {
  const fromMs = new Date(`${from}T00:00:00`).getTime();
  const toMs = new Date(`${to}T00:00:00`).getTime() + DAY_MS - 1;
  return query({ fromMs, toMs, site: filters.site, level: filters.level, state: filters.state, format });
}

let chosen = null;

export function renderAlarmExport(el, { filters, report, nowMs = Date.now() }) {
  // Kept across re-renders (a language switch redraws this), so the officer's days stay as typed.
  chosen ??= { from: dayOf(nowMs - 6 * DAY_MS), to: dayOf(nowMs), format: 'csv' };
  const input = (name, label) =>
    h('label', {}, `${label} `, h('input', { type: 'date', name, value: chosen[name], required: true, onchange: (e) => (chosen[name] = e.currentTarget.value) }));
  const button = h('button', { type: 'submit' }, t('exportButton'));
  const form = h(
    'form',
    {
      class: 'alarm-export',
      onsubmit: (e) => {
        e.preventDefault();
        if (chosen.from > chosen.to) return report(new Error(t('exportBadRange')));
        button.disabled = true;
        download(`/export/alarms${exportQuery({ ...chosen, filters: filters() })}`)
          .catch(report)
          .finally(() => (button.disabled = false));
      },
    },
    input('from', t('exportFrom')),
    input('to', t('exportTo')),
    h(
      'select',
      { name: 'format', 'aria-label': t('exportFormat'), onchange: (e) => (chosen.format = e.currentTarget.value) },
      h('option', { value: 'csv', selected: chosen.format === 'csv' }, t('exportCsv')),
      h('option', { value: 'xlsx', selected: chosen.format === 'xlsx' }, t('exportXlsx')),
    ),
    button,
  );
  mount(el, form);
}
