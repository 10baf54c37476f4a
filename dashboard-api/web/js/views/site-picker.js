// The alarm list's site filter as a search box: a county has thousands of sites, too many for a
// <select>. Typing asks the API for sites by name or address (GET /sites?q=, debounced); picking one
// from the suggestions filters the list to it; clearing the box shows every site again.

import { api, query } from '../api.js';
import { h } from '../dom.js';
import { ft } from '../fleet-text.js';

const SUGGESTIONS = 10;
const DELAY_MS = 250;

/** A search box that calls onPick(siteId | null). Built once: redrawing would lose the caret. */
export function createSitePicker({ onPick, report }) {
  let timer = null;
  let seq = 0;
  let options = []; // the suggestions now offered: { id, label }
  let picked = null;
  const list = h('datalist', { id: 'alarm-site-options' });
  const input = h('input', { type: 'search', name: 'site', list: 'alarm-site-options', autocomplete: 'off', class: 'site-picker-input' });
  const hint = h('span', { class: 'site-picker-hint', role: 'status', hidden: true });
  const el = h('span', { class: 'site-picker' }, input, list, hint);

  const labelOf = (s) => (s.address ? `${s.name}（${s.address}）` : s.name);

  async function suggest(q) {
    const mine = ++seq;
    const { sites } = await api.get(`/sites${query({ q, limit: SUGGESTIONS })}`);
    if (mine !== seq) return;
    options = sites.map((s) => ({ id: s.id, label: labelOf(s), name: s.name }));
    list.replaceChildren(...options.map((o) => h('option', { value: o.label })));
  }

  function choose() {
    const text = input.value.trim();
    if (text === '') {
      hint.hidden = true;
      if (picked !== null) onPick((picked = null));
      return;
    }
    const match = options.find((o) => o.label === text || o.name === text || o.id === text) ?? (options.length === 1 ? options[0] : null);
    if (!match) {
      hint.textContent = ft('siteSearchPick');
      hint.hidden = false;
      return;
    }
    hint.hidden = true;
    input.value = match.label;
    if (match.id !== picked) onPick((picked = match.id));
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const text = input.value.trim();
    // A suggestion picked from the list arrives as an input event with its whole label.
    if (options.some((o) => o.label === text)) return choose();
    if (text === '') return choose();
    timer = setTimeout(() => suggest(text).catch(report), DELAY_MS);
  });
  input.addEventListener('change', choose);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      clearTimeout(timer);
      // Enter before the suggestions came: ask now, then pick.
      suggest(input.value.trim())
        .then(choose)
        .catch(report);
    }
  });

  return {
    el,
    /** Labels in the page's language (on a language switch). */
    render() {
      input.placeholder = ft('siteSearchPlaceholder');
      input.setAttribute('aria-label', ft('siteSearchLabel'));
    },
  };
}
