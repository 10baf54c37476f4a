// The list an officer acts from: active alarms (unacknowledged first, then red → blue, then
// newest), and cleared ones in their own collapsed section; each section pages on from the API.
// A row says level, what happened, where, the value now (live) and its peak, when, and offers the
// moves the officer's role allows for the alarm's state; its title opens the alarm (#/alarms/<id>).

import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { levelLabel } from '../levels.js';
import { formatTime } from '../format.js';
import { alarmCause, alarmValueLine, liveValue } from '../alarm-text.js';
import { canAck } from '../store.js';

export const STATE_KEYS = {
  active_unacked: 'stateActiveUnacked',
  active_acked: 'stateActiveAcked',
  cleared_unacked: 'stateClearedUnacked',
  cleared: 'stateCleared',
  closed: 'stateClosed',
};

export function isShelved(alarm, nowMs) {
  return typeof alarm.shelvedUntilMs === 'number' && alarm.shelvedUntilMs > nowMs;
}

/** The moves on this alarm that the officer may make now; an owner only acknowledges; none for a viewer. */
export function alarmButtons(alarm, { actions, canAct, nowMs }) {
  const out = [];
  const button = (action, label, handler) => h('button', { type: 'button', dataset: { action }, onclick: () => handler(alarm) }, label);
  // A site owner acknowledges, and only that.
  if ((canAct || canAck()) && alarm.state.endsWith('unacked')) out.push(button('ack', t('ack'), actions.ack));
  if (!canAct) return out;
  if (isShelved(alarm, nowMs)) out.push(button('unshelve', t('unshelve'), actions.unshelve));
  // A red alarm is never shelved (the gateway refuses it): no button that can only fail.
  else if (alarm.state.startsWith('active') && alarm.level !== 'red') out.push(button('shelve', t('shelve'), actions.shelve));
  if (alarm.state === 'cleared') out.push(button('close', t('close'), actions.close));
  return out;
}

function row(a, { siteName, nowMs, ...rest }) {
  const live = liveValue(a) !== null;
  return h(
    'li',
    { class: `alarm level-${a.level}`, dataset: { alarm: a.id, level: a.level, state: a.state } },
    h('span', { class: 'badge' }, levelLabel(a.level)),
    h(
      'div',
      { class: 'alarm-body' },
      h('a', { class: 'alarm-title', href: `#/alarms/${encodeURIComponent(a.id)}` }, `${siteName(a.site)} · ${alarmCause(a)}`),
      h('span', { class: 'alarm-value', dataset: { live: String(live) } }, alarmValueLine(a)),
      h(
        'span',
        { class: 'alarm-meta' },
        h('time', { datetime: new Date(a.raisedAtMs).toISOString() }, `${t('raisedAt')} ${formatTime(a.raisedAtMs)}`),
        ' · ',
        h('span', { class: 'alarm-state' }, t(STATE_KEYS[a.state] ?? a.state)),
        isShelved(a, nowMs) ? ` · ${t('shelved', { time: formatTime(a.shelvedUntilMs) })}` : '',
      ),
    ),
    h('div', { class: 'alarm-actions' }, alarmButtons(a, { nowMs, ...rest })),
  );
}

let clearedOpen = false;

export function renderAlarmList(el, { active, cleared, cursors, onMore, showCleared = false, ...rest }) {
  const more = (section) =>
    cursors[section] ? h('button', { type: 'button', class: 'more', dataset: { more: section }, onclick: () => onMore(section) }, t('loadMore')) : null;
  const details = h(
    'details',
    // Open when the officer asked for cleared alarms by the state filter.
    { class: 'cleared-section', open: clearedOpen || showCleared, ontoggle: (e) => (clearedOpen = e.currentTarget.open) },
    h('summary', {}, t('clearedSection', { n: cleared.length + (cursors.cleared ? '+' : '') })),
    cleared.length ? h('ol', { class: 'alarm-list' }, cleared.map((a) => row(a, rest))) : h('p', { class: 'empty' }, t('noCleared')),
    more('cleared'),
  );
  mount(
    el,
    active.length ? h('ol', { class: 'alarm-list', id: 'active-alarms' }, active.map((a) => row(a, rest))) : h('p', { class: 'empty' }, t('noAlarms')),
    more('active'),
    cleared.length || cursors.cleared ? details : null,
  );
}

/** The filters: the site search box (views/site-picker.js, built once), level and state selects; keeps what the officer chose. */
export function renderAlarmFilters(el, { picker, filters, onFilter }) {
  const select = (name, label, options) => {
    const current = filters[name] ?? '';
    const s = h(
      'select',
      { name, 'aria-label': label, onchange: (e) => onFilter(name, e.currentTarget.value || null) },
      h('option', { value: '' }, t('allOf', { what: label })),
      options.map(([value, text]) => h('option', { value, selected: value === current }, text)),
    );
    return s;
  };
  picker.render();
  mount(
    el,
    picker.el,
    select('level', t('filterLevel'), ['red', 'orange', 'yellow', 'blue'].map((l) => [l, levelLabel(l)])),
    select('state', t('filterState'), ['active_unacked', 'active_acked', 'cleared_unacked', 'cleared'].map((s) => [s, t(STATE_KEYS[s])])),
  );
}
