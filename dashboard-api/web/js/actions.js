// The officer's moves on alarms and orders. Each sends one call; the answer's alarm or order
// goes straight into the store (the stream brings the same change to every other screen).

import { api } from './api.js';
import { t } from './i18n.js';
import { needsRectification } from './levels.js';
import { changed, upsertAlarm, upsertOrder } from './store.js';
import { describeError } from './errors.js';
import { showNotice } from './notice.js';
import { openActionDialog } from './views/action-dialog.js';
import { describeGasTest, openLiftDialog } from './views/lift-dialog.js';

function applyAlarm(res) {
  if (res?.alarm) upsertAlarm(res.alarm);
  changed('alarms');
}

function applyOrder(res) {
  if (res?.order) upsertOrder(res.order);
  changed('orders');
}

const noteField = (name, label, required, hint) => ({ name, label, type: 'textarea', required, hint });

export const alarmActions = {
  // One deliberate confirm with room for a note (what was done, who was called); the note is kept
  // on the alarm's ack event and in the audit log.
  ack: (alarm) =>
    openActionDialog({
      title: t('ackTitle'),
      action: 'ack',
      intro: t('ackIntro'),
      submitLabel: t('ackConfirm'),
      fields: [noteField('note', t('ackNote'), false, t('ackNoteHint'))],
      submit: (v) => {
        const note = (v.note ?? '').trim();
        return api.post(`/alarms/${encodeURIComponent(alarm.id)}/ack`, note ? { note } : {}).then(applyAlarm);
      },
    }),
  unshelve: (alarm) =>
    api
      .post(`/alarms/${encodeURIComponent(alarm.id)}/unshelve`, {})
      .then(applyAlarm)
      .catch((err) => showNotice(describeError(err))),
  shelve: (alarm) =>
    openActionDialog({
      title: t('shelveTitle'),
      action: 'shelve',
      fields: [
        { name: 'reason', label: t('reason'), required: true },
        { name: 'minutes', label: t('minutes'), type: 'number', required: true, min: 1, value: 30 },
      ],
      submit: (v) => api.post(`/alarms/${encodeURIComponent(alarm.id)}/shelve`, { reason: v.reason, minutes: Number(v.minutes) }).then(applyAlarm),
    }),
  close: (alarm) =>
    openActionDialog({
      title: t('closeTitle'),
      action: 'close',
      fields: [noteField('note', t('closeNote'), needsRectification(alarm.peakLevel), t('closeNoteHint'))],
      submit: (v) => api.post(`/alarms/${encodeURIComponent(alarm.id)}/close`, { note: v.note }).then(applyAlarm),
    }),
};

function orderStep(step, titleKey) {
  return (order) =>
    openActionDialog({
      title: t(titleKey),
      action: step,
      fields: [noteField('note', t('note'), true)],
      submit: (v) => api.post(`/orders/${encodeURIComponent(order.id)}/${step}`, { note: v.note }).then(applyOrder),
    });
}

export const orderActions = {
  rectification: orderStep('rectification', 'rectificationTitle'),
  inspection: orderStep('inspection', 'inspectionTitle'),
  lift: (order) =>
    openLiftDialog(order, {
      post: (path, body) => api.post(path, body),
      onLifted: (res) => {
        applyOrder(res);
        // The banner goes with the lift: say once what the lift relied on when the detectors could not see.
        if (res?.order?.manualGasTest) showNotice(describeGasTest(res.order.manualGasTest));
      },
    }),
};
