// One dialog for every action that needs words from the officer (acknowledge, shelve, close,
// order steps, lift). A refusal keeps the dialog open and shows the server's reason inside it.

import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { describeError } from '../errors.js';

let dialog;

function ensureDialog() {
  if (!dialog) {
    dialog = h('dialog', { id: 'action-dialog', 'aria-labelledby': 'action-dialog-title' });
    document.body.append(dialog);
  }
  return dialog;
}

/**
 * fields: [{ name, label, type: 'text' | 'textarea' | 'number', required, min, max, value, hint }]
 * submit(values) → Promise; resolves to close the dialog, rejects to show why.
 */
export function openActionDialog({ title, action, fields, submit, intro, submitLabel }) {
  const el = ensureDialog();
  const error = h('p', { class: 'dialog-error', role: 'alert', hidden: true });
  const inputs = fields.map((f) => {
    const common = { name: f.name, id: `field-${f.name}`, required: f.required, value: f.value };
    const input =
      f.type === 'textarea'
        ? h('textarea', { ...common, rows: 3 })
        : h('input', { ...common, type: f.type ?? 'text', min: f.min, max: f.max, inputmode: f.type === 'number' ? 'numeric' : undefined });
    return h('label', { for: common.id }, h('span', {}, f.label), input, f.hint ? h('small', {}, f.hint) : null);
  });
  const submitButton = h('button', { type: 'submit', class: 'primary' }, submitLabel ?? t('submit'));
  const form = h(
    'form',
    { method: 'dialog', dataset: { action } },
    h('h2', { id: 'action-dialog-title' }, title),
    intro ? h('p', { class: 'dialog-intro' }, intro) : null,
    inputs,
    error,
    h('div', { class: 'dialog-buttons' }, h('button', { type: 'button', value: 'cancel', onclick: () => el.close() }, t('cancel')), submitButton),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    submitButton.disabled = true;
    error.hidden = true;
    try {
      await submit(values);
      el.close();
    } catch (err) {
      error.textContent = describeError(err);
      error.hidden = false;
      if (err?.status === 401) el.close();
    } finally {
      submitButton.disabled = false;
    }
  });
  mount(el, form);
  el.showModal();
  form.querySelector('input, textarea')?.focus();
}
