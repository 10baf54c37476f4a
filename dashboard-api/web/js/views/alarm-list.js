// Open alarms, newest first: level, where, value with unit, local time, and the moves an officer
// may make from the alarm's state (acknowledge, shelve, close out).

import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { levelLabel } from '../levels.js';
import { formatTime, formatValue, quantityName } from '../format.js';

const STATE_KEYS = {
  active_unacked: 'stateActiveUnacked',
  active_acked: 'stateActiveAcked',
  cleared_unacked: 'stateClearedUnacked',
  cleared: 'stateCleared',
  closed: 'stateClosed',
};

function isShelved(alarm, nowMs) {
  return typeof alarm.shelvedUntilMs === 'number' && alarm.shelvedUntilMs > nowMs;
}

function buttons(alarm, actions, nowMs) {
  const out = [];
  const button = (action, label, handler) =>
    h('button', { type: 'button', dataset: { action }, onclick: () => handler(alarm) }, label);
  if (alarm.state.endsWith('unacked')) out.push(button('ack', t('ack'), actions.ack));
  if (isShelved(alarm, nowMs)) out.push(button('unshelve', t('unshelve'), actions.unshelve));
  // A red alarm is never shelved (the gateway refuses it): no button that can only fail.
  else if (alarm.state.startsWith('active') && alarm.level !== 'red') out.push(button('shelve', t('shelve'), actions.shelve));
  if (alarm.state === 'cleared') out.push(button('close', t('close'), actions.close));
  return out;
}

export function renderAlarmList(el, { alarms, siteName, actions, nowMs }) {
  if (alarms.length === 0) return mount(el, h('p', { class: 'empty' }, t('noAlarms')));
  mount(
    el,
    h(
      'ol',
      { class: 'alarm-list' },
      alarms.map((a) =>
        h(
          'li',
          { class: `alarm level-${a.level}`, dataset: { alarm: a.id, level: a.level, state: a.state } },
          h('span', { class: 'badge' }, levelLabel(a.level)),
          h(
            'div',
            { class: 'alarm-body' },
            h('strong', {}, `${siteName(a.site)} · ${quantityName(a.quantity)} (${a.device}/${a.channel})`),
            h(
              'span',
              { class: 'alarm-value' },
              formatValue(a.value, a.quantity),
              // The peak matters once the alarm has come down from it (or cleared).
              a.peakLevel !== a.level || a.peakValue !== a.value ? ` · ${t('peak')} ${formatValue(a.peakValue, a.quantity)} ${levelLabel(a.peakLevel)}` : '',
            ),
            h(
              'span',
              { class: 'alarm-meta' },
              h('time', { datetime: new Date(a.raisedAtMs).toISOString() }, `${t('raisedAt')} ${formatTime(a.raisedAtMs)}`),
              ' · ',
              h('span', { class: 'alarm-state' }, t(STATE_KEYS[a.state] ?? a.state)),
              isShelved(a, nowMs) ? ` · ${t('shelved', { time: formatTime(a.shelvedUntilMs) })}` : '',
            ),
          ),
          h('div', { class: 'alarm-actions' }, buttons(a, actions, nowMs)),
        ),
      ),
    ),
  );
}
