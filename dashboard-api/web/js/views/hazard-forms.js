// The hazard ledger's forms: register a hazard (self-check, patrol, inspector, public report) and
// each next act of its life. Each form is plain fields whose names are the API's body fields; the
// page only collects them, the ledger decides (grading rules, 五落实, four eyes).

import { h } from '../dom.js';
import { ht } from '../hazard-text.js';

const SOURCES = ['self_check', 'patrol', 'inspector', 'public_report'];
const CATEGORIES = ['gas_leak', 'hose_pipe', 'valve', 'detector', 'ventilation', 'appliance', 'cylinder', 'water_level', 'temperature', 'electrical', 'fire_exit', 'management', 'other'];
const BASES = ['gas_standard_2023', 'order16_stop_work', 'order16_outside_help'];

const field = (label, input) => h('label', { class: 'hz-field' }, h('span', {}, label), input);
const text = (name, attrs = {}) => h('input', { name, type: 'text', autocomplete: 'off', ...attrs });
const area = (name, attrs = {}) => h('textarea', { name, rows: 3, ...attrs });
const choice = (name, values, word, attrs = {}) => h('select', { name, ...attrs }, values.map((v) => h('option', { value: v }, word(v))));

/** The fields of each act, and how its form becomes the API body. */
export const ACT_FORMS = {
  grade: {
    path: 'grade',
    fields: () => [
      field(ht('hzGradeField'), choice('grade', ['general', 'major'], (g) => ht(`grade_${g}`))),
      field(ht('hzBasisField'), choice('basis', ['', ...BASES], (b) => (b ? ht(`basis_${b}`) : '—'))),
      field(ht('hzCriterionField'), text('criterion')),
    ],
    body: (f) => ({ grade: f.grade, ...(f.grade === 'major' ? { basis: f.basis || undefined, criterion: f.criterion || undefined } : {}) }),
  },
  plan: {
    path: 'plan',
    fields: () => [
      field(ht('hzResponsible'), text('responsible', { required: true })),
      field(ht('hzMeasures'), area('measures', { required: true })),
      field(ht('hzFunds'), h('input', { name: 'fundsYuan', type: 'number', min: 0, step: 'any', inputmode: 'decimal' })),
      field(ht('hzDeadlineField'), h('input', { name: 'deadline', type: 'date', required: true })),
      field(ht('hzEmergencyPlan'), area('emergencyPlan')),
    ],
    body: (f) => ({ responsible: f.responsible, measures: f.measures, deadline: f.deadline, ...(f.fundsYuan ? { fundsYuan: Number(f.fundsYuan) } : {}), ...(f.emergencyPlan ? { emergencyPlan: f.emergencyPlan } : {}) }),
  },
  progress: { path: 'progress', fields: () => [field(ht('hzNoteField'), area('note', { required: true }))], body: (f) => ({ note: f.note }) },
  acceptanceRequest: { path: 'acceptance-request', fields: () => [field(ht('hzNoteField'), area('note', { required: true }))], body: (f) => ({ note: f.note }) },
  accept: {
    path: 'accept',
    fields: () => [field(ht('hzEvidenceField'), text('evidence', { required: true })), field(ht('hzNoteField'), area('note', { required: true }))],
    body: (f) => ({ note: f.note, evidence: f.evidence }),
  },
  refuse: { path: 'refuse', fields: () => [field(ht('hzNoteField'), area('note', { required: true }))], body: (f) => ({ note: f.note }) },
  close: { path: 'close', fields: () => [field(ht('hzNoteField'), area('note', { required: true }))], body: (f) => ({ note: f.note }) },
  extend: {
    path: 'extend',
    fields: () => [field(ht('hzNewDeadline'), h('input', { name: 'deadline', type: 'date', required: true })), field(ht('hzNoteField'), area('note', { required: true }))],
    body: (f) => ({ deadline: f.deadline, note: f.note }),
  },
  supervise: {
    path: 'supervision',
    fields: () => [
      field(ht('hzLevelField'), choice('level', ['county', 'city', 'province'], (l) => ht(`level_${l}`))),
      field(ht('hzAuthorityField'), text('authority', { required: true })),
      field(ht('hzNoticeField'), text('noticeNumber', { required: true })),
    ],
    body: (f) => ({ level: f.level, authority: f.authority, noticeNumber: f.noticeNumber }),
  },
  linkOrder: { path: 'stop-work-order', fields: () => [field(ht('hzOrderField'), text('orderId', { required: true }))], body: (f) => ({ orderId: f.orderId.trim() }) },
  noOrderReason: { path: 'no-order-reason', fields: () => [field(ht('hzNoteField'), area('note', { required: true }))], body: (f) => ({ note: f.note }) },
};

const RANK = { viewer: 0, owner: 1, officer: 2, admin: 3 };

/**
 * The acts the caller's role may take on the hazard in its state, as the API allows them (an
 * owner reports progress and the fix; an officer grades, plans, accepts, strikes off, extends).
 * Four eyes is the ledger's to enforce: the page offers acceptance and shows the refusal.
 */
export function nextActs(hz, role) {
  const rank = RANK[role] ?? 0;
  const owner = rank >= RANK.owner;
  const officer = rank >= RANK.officer;
  const acts = [];
  const accepted = hz.acceptance?.result === 'passed';
  switch (hz.state) {
    case 'registered':
      if (officer) acts.push('grade');
      break;
    case 'graded':
      if (officer) acts.push('plan', 'grade');
      break;
    case 'rectifying':
      if (owner) acts.push('progress', 'acceptanceRequest');
      if (officer) acts.push('extend');
      break;
    case 'acceptance_requested':
      if (officer) acts.push(...(accepted ? ['close'] : ['accept', 'refuse']));
      break;
    default:
      break;
  }
  if (officer && hz.state !== 'closed') acts.push('supervise');
  // 重大 with no stop-work order: link the one issued, or record why none is needed.
  if (officer && hz.state !== 'closed' && hz.grading?.grade === 'major' && !hz.stopWorkOrderId) acts.push('linkOrder', ...(hz.noOrderReason ? [] : ['noOrderReason']));
  return acts;
}

/**
 * The registration form's fields; `site` prefilled with the site the page shows. The site box
 * suggests sites by name or address from the API as it is typed (`search(q)` → [{ id, name }]): a
 * county has thousands, too many for a list.
 */
export function registerFields({ site, search, report }) {
  const options = h('datalist', { id: 'hz-site-options' });
  let timer = null;
  let seq = 0;
  const input = text('site', { required: true, value: site ?? '', list: 'hz-site-options' });
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q === '') return;
    timer = setTimeout(() => {
      const mine = ++seq;
      search(q)
        .then((sites) => {
          if (mine === seq) options.replaceChildren(...sites.map((s) => h('option', { value: s.id }, s.name)));
        })
        .catch(report);
    }, 250);
  });
  return [
    field(ht('hzSiteField'), h('span', {}, input, options)),
    field(ht('hzSourceField'), choice('source', SOURCES, (s) => ht(`source_${s}`))),
    field(ht('hzCategoryField'), choice('category', CATEGORIES, (c) => ht(`cat_${c}`))),
    field(ht('hzLocationField'), text('location', { required: true })),
    field(ht('hzDescriptionField'), area('description', { required: true })),
    field(ht('hzFoundByField'), text('foundBy')),
  ];
}

export function registerBody(f) {
  return { site: f.site.trim(), source: f.source, category: f.category, location: f.location, description: f.description, ...(f.foundBy.trim() ? { foundBy: f.foundBy.trim() } : {}) };
}

/** A form of `fields` whose submit hands its values to `onSubmit`; its refusal shows inside it. */
export function actForm({ action, title, fields, onSubmit, onCancel }) {
  const error = h('p', { class: 'dialog-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, ht('hzSave'));
  const form = h(
    'form',
    { class: 'hz-form', dataset: { action } },
    h('h3', {}, title),
    fields,
    error,
    h('div', { class: 'dialog-buttons' }, h('button', { type: 'button', onclick: onCancel }, ht('hzCancel')), submit),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = Object.fromEntries(new FormData(form).entries());
    submit.disabled = true;
    error.hidden = true;
    try {
      await onSubmit(values);
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
