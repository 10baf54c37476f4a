// One alarm, opened by its link (#/alarms/<id>, the link every notification carries): level and
// what happened, the value now (live) beside its peak, the site's address and contact, the
// stop-work order it raised with the interlock's state, every event in time order, and the moves
// the officer's role allows.

import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { levelLabel } from '../levels.js';
import { formatTime } from '../format.js';
import { alarmCause, alarmFigures } from '../alarm-text.js';
import { icon } from '../icons.js';
import { alarmButtons, isShelved, STATE_KEYS } from './alarm-list.js';
import { commandText } from './order-banners.js';
import { describeGasTest } from './lift-dialog.js';
import { siteName } from '../store.js';

let dialog;

function ensureDialog(onClose) {
  if (!dialog) {
    dialog = h('dialog', { id: 'alarm-detail', class: 'alarm-detail', 'aria-labelledby': 'alarm-detail-title' });
    dialog.addEventListener('close', () => onClose());
    document.body.append(dialog);
  }
  return dialog;
}

const EVENT_KEYS = {
  raised: 'evRaised',
  escalated: 'evEscalated',
  deescalated: 'evDeescalated',
  cleared: 'evCleared',
  acked: 'evAcked',
  closed: 'evClosed',
  chattering: 'evChattering',
  stale_alarm: 'evStale',
  shelved: 'evShelved',
  unshelved: 'evUnshelved',
  escalation: 'evEscalation',
  reminder: 'evReminder',
};

/** The gateway's own note on an escalation or reminder step: `tier:leader … for 121 s`. */
const TIER_NOTE = /^tier:(duty|leader|onCall)\b.*?(\d+) s$/;

/**
 * What an event says in the page's language. A person's note (ack, close, shelve) is shown as
 * written; the gateway's own notes are machine English, so a step's tier and wait are said in
 * words and the rest is told by the event's name alone.
 */
function eventWords(e) {
  const what = t(EVENT_KEYS[e.kind] ?? 'evOther', { kind: e.kind });
  if (e.actor) return { what, note: e.note };
  const step = (e.kind === 'escalation' || e.kind === 'reminder') && e.note ? TIER_NOTE.exec(e.note) : null;
  if (!step) return { what, note: null };
  const s = Number(step[2]);
  const waited = s < 120 ? t('seconds', { n: s }) : t('waitedMinutes', { n: Math.round(s / 60) });
  return { what: t(e.kind === 'escalation' ? 'evEscalationTo' : 'evReminderTo', { tier: t(`tier_${step[1]}`), waited }), note: null };
}

function eventLine(e) {
  const { what, note } = eventWords(e);
  const level = e.toLevel && e.toLevel !== e.fromLevel ? ` → ${levelLabel(e.toLevel)}` : '';
  return h(
    'li',
    { class: 'alarm-event', dataset: { kind: e.kind } },
    h('time', { datetime: new Date(e.atMs).toISOString() }, formatTime(e.atMs)),
    ' ',
    h('strong', {}, what + level),
    e.actor ? ` · ${e.actor}` : '',
    note ? h('span', { class: 'event-note' }, ` · ${t('noteShown', { note })}`) : '',
  );
}

function orderPart(order) {
  if (!order) return null;
  const confirmed = Array.isArray(order.commands) && order.commands.length === 0
    ? h('p', { class: 'order-no-interlock' }, icon('pending'), ' ', t('noInterlock'))
    : order.confirmedAtMs
    ? h('p', {}, icon('check'), ' ', t('interlockConfirmed', { time: formatTime(order.confirmedAtMs) }))
    : order.state === 'active'
      ? h('p', {}, icon('pending'), ' ', t('interlockPending'))
      : null;
  return h(
    'section',
    { class: 'detail-order', dataset: { order: order.id, state: order.state } },
    h('h3', {}, icon('stop'), ' ', t('orderTitle'), ' · ', t(order.state === 'active' ? 'orderActive' : 'orderLifted')),
    h('p', {}, t('orderIssued', { time: formatTime(order.issuedAtMs) })),
    order.commands?.length ? h('p', { class: 'order-commands' }, t('commandsLine', { list: order.commands.map(commandText).join(t('listSep')) })) : null,
    confirmed,
    order.liftedAtMs ? h('p', {}, t('orderLiftedBy', { by: order.liftedBy ?? '', time: formatTime(order.liftedAtMs) })) : null,
    // The lift relied on a manual gas test while a detector was blind: who measured what, when.
    order.manualGasTest ? h('p', { class: 'order-gas-test' }, describeGasTest(order.manualGasTest)) : null,
  );
}

/**
 * Shows `detail` ({ alarm, events, order, site }) in the dialog, or a not-found line when alarm is
 * null. onClose runs when the officer closes it (the page then leaves #/alarms/<id>).
 */
export function renderAlarmDetail({ detail, missingId, actions, canAct, nowMs, onClose }) {
  const el = ensureDialog(onClose);
  const closeButton = h('button', { type: 'button', class: 'detail-close', onclick: () => el.close() }, t('closeDetail'));
  if (!detail) {
    mount(el, h('h2', { id: 'alarm-detail-title' }, t('alarmNotFound', { id: missingId })), h('div', { class: 'dialog-buttons' }, closeButton));
  } else {
    const { alarm: a, events, order, site } = detail;
    const { value, peak, live } = alarmFigures(a);
    mount(
      el,
      h(
        'div',
        { class: `detail-head level-${a.level}`, dataset: { alarm: a.id, level: a.level, state: a.state } },
        h('span', { class: 'badge' }, levelLabel(a.level)),
        // autofocus: opened from a phone (the DingTalk link), the dialog starts at what happened,
        // not scrolled down to its first button below a long list of events.
        h('h2', { id: 'alarm-detail-title', tabindex: '-1', autofocus: true }, `${site?.name ?? siteName(a.site)} · ${alarmCause(a)}`),
      ),
      h(
        'dl',
        { class: 'detail-facts' },
        value ? [h('dt', {}, t(live ? 'valueNow' : 'value')), h('dd', { class: 'detail-value', dataset: { live: String(live) } }, value)] : null,
        peak ? [h('dt', {}, t('peak')), h('dd', { class: 'detail-peak' }, `${peak} ${levelLabel(a.peakLevel)}`)] : null,
        h('dt', {}, t('stateLabel')),
        h('dd', { class: 'detail-state' }, t(STATE_KEYS[a.state] ?? a.state), isShelved(a, nowMs) ? ` · ${t('shelved', { time: formatTime(a.shelvedUntilMs) })}` : ''),
        h('dt', {}, t('raisedAt')),
        h('dd', {}, formatTime(a.raisedAtMs)),
        h('dt', {}, t('device')),
        // A device-level alarm (_device) names the device; a gateway alarm its failing part, whose
        // channel is a condition code (notify_failed) the cause already says in words.
        h('dd', { class: 'detail-device' }, a.channel.startsWith('_') || a.site === '_gateway' ? a.device : `${a.device}/${a.channel}`),
        h('dt', {}, t('address')),
        h('dd', { class: 'detail-address' }, site?.address ?? t('notRecorded')),
        h('dt', {}, t('contact')),
        h('dd', { class: 'detail-contact' }, site?.contact ?? t('notRecorded')),
      ),
      orderPart(order),
      h('h3', {}, t('eventsTitle')),
      h('ol', { class: 'alarm-events' }, [...events].sort((x, y) => x.atMs - y.atMs).map(eventLine)),
      h('div', { class: 'dialog-buttons' }, alarmButtons(a, { actions, canAct, nowMs }), closeButton),
    );
  }
  if (!el.open) {
    el.showModal();
    el.scrollTop = 0;
  }
}

export function closeAlarmDetail() {
  if (dialog?.open) dialog.close();
}
