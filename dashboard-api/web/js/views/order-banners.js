// A red banner for every stop-work order in force (停产停工令): why, since when, what the interlock
// did, the steps before it may be lifted (rectification, inspection) and the lift itself.

import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { formatTime } from '../format.js';
import { icon } from '../icons.js';

const COMMAND_KEYS = { pending: 'cmdPending', sent: 'cmdSent', acked: 'cmdAcked', failed: 'cmdFailed', unconfirmed: 'cmdUnconfirmed' };

/** An interlock command in words: "关闭阀门 valve-01：已执行", never the raw `valve-01 close`. */
export function commandText(c) {
  const action = t(`action_${c.action}`);
  return t('commandItem', { action: action === `action_${c.action}` ? c.action : action, device: c.device, state: t(COMMAND_KEYS[c.state] ?? c.state) });
}

function step(label, done) {
  // `done` is { by, atMs, note } or null.
  return h(
    'li',
    { class: `order-step ${done ? 'done' : 'pending'}` },
    h('span', { class: 'step-mark' }, icon(done ? 'check' : 'pending'), ' '),
    h('span', {}, t('stepLine', { label, text: done ? t('stepDone', { by: done.by, time: formatTime(done.atMs), note: done.note }) : t('stepPending') })),
  );
}

/** A recorded step as { by, atMs, note }, from the gateway's flat fields or the contract's objects. */
function record(order, object, atKey, byKey, noteKey) {
  if (object in order) return order[object];
  return order[atKey] === null || order[atKey] === undefined ? null : { by: order[byKey], atMs: order[atKey], note: order[noteKey] };
}

/** The sign-off steps, or null for a gateway whose orders have only the lift. */
export function orderSteps(order) {
  const has = ['rectification', 'inspection', 'rectifiedAtMs', 'inspectedAtMs'].some((k) => k in order);
  if (!has) return null;
  return {
    rectification: record(order, 'rectification', 'rectifiedAtMs', 'rectifiedBy', 'rectificationNote'),
    inspection: record(order, 'inspection', 'inspectedAtMs', 'inspectedBy', 'inspectionNote'),
  };
}

function banner(order, { siteName, actions, canAct }) {
  const steps = orderSteps(order);
  const button = (action, label, handler) => h('button', { type: 'button', dataset: { action }, onclick: () => handler(order) }, label);
  return h(
    'section',
    { class: 'order-banner', role: 'alert', dataset: { order: order.id, site: order.site } },
    h('h2', {}, icon('stop'), ' ', `${t('orderTitle')} · ${siteName(order.site)}`),
    h('p', {}, t('orderIssued', { time: formatTime(order.issuedAtMs) }), ' · ', t('orderReason', { reason: order.reason })),
    order.commands?.length
      ? h('p', { class: 'order-commands' }, t('commandsLine', { list: order.commands.map(commandText).join(t('listSep')) }))
      : null,
    // No valve or fan at the site: nothing closed, people must act (the gateway confirms such an order at once).
    Array.isArray(order.commands) && order.commands.length === 0
      ? h('p', { class: 'order-no-interlock' }, icon('pending'), ' ', t('noInterlock'))
      : 'confirmedAtMs' in order
      ? h('p', { class: 'order-confirmed' }, icon(order.confirmedAtMs ? 'check' : 'pending'), ' ', order.confirmedAtMs ? t('interlockConfirmed', { time: formatTime(order.confirmedAtMs) }) : t('interlockPending'))
      : null,
    steps ? h('ol', { class: 'order-steps' }, step(t('stepRectification'), steps.rectification), step(t('stepInspection'), steps.inspection)) : null,
    // A viewer sees the order and its steps, and no button the API would refuse.
    canAct
      ? h(
          'div',
          { class: 'order-actions' },
          steps && !steps.rectification ? button('rectification', t('recordRectification'), actions.rectification) : null,
          steps && steps.rectification && !steps.inspection ? button('inspection', t('recordInspection'), actions.inspection) : null,
          button('lift', t('lift'), actions.lift),
        )
      : null,
  );
}

export function renderOrderBanners(el, { orders, siteName, actions, canAct }) {
  mount(el, orders.map((o) => banner(o, { siteName, actions, canAct })));
}
