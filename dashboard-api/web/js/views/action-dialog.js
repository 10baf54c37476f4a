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
 * fields: [{ name, label, type: 'text' | 'textarea' | 'number' | 'datetime-local' | 'select', required,
 *   min, max, step, value, hint, options: [{ value, label }] (select), heading (a title above the field) }]
 * submit(values) → Promise; resolves to close the dialog, rejects to show why.
 */
export function openActionDialog({ title, action, fields, submit, intro, submitLabel }) {
  const el = ensureDialog();
  const error = h('p', { class: 'dialog-error', role: 'alert', hidden: true });
  const inputs = fields.flatMap((f) => {
    const common = { name: f.name, id: `field-${f.name}`, required: f.required, value: f.value };
    let input;
    if (f.type === 'textarea') input = h('textarea', { ...common, rows: 3 });
    else if (f.type === 'select') input = h('select', common, (f.options ?? []).map((o) => h('option', { value: o.value, selected: o.value === f.value }, o.label)));
    else input = h('input', { ...common, type: f.type ?? 'text', min: f.min, max: f.max, step: f.step, inputmode: f.type === 'number' ? 'decimal' : undefined });
    const label = h('label', { for: common.id }, h('span', {}, f.label), input, f.hint ? h('small', {}, f.hint) : null);
    return f.heading ? [h('h3', { class: 'dialog-section' }, f.heading.title), f.heading.text ? h('p', { class: 'dialog-section-text' }, f.heading.text) : null, label] : [label];
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
