// Previous / next over an API's cursors, saying where the officer is ("第 2 / 34 页", or "第 2 页"
// when the list's length is not known).

import { h } from '../dom.js';
import { ft } from '../fleet-text.js';

/** null when everything fits on one page. pages: a number, or null when unknown. */
export function pager({ index, pages, hasNext, loading, onPage }) {
  if (index === 0 && !hasNext) return null;
  const where = pages ? ft('pageOf', { page: index + 1, pages }) : ft('pageAt', { page: index + 1 });
  return h(
    'nav',
    { class: 'site-pager', 'aria-label': where },
    h('button', { type: 'button', dataset: { page: 'prev' }, disabled: index === 0 || loading, onclick: () => onPage(-1) }, ft('prevPage')),
    h('span', { class: 'site-pager-where' }, where),
    h('button', { type: 'button', dataset: { page: 'next' }, disabled: !hasNext || loading, onclick: () => onPage(1) }, ft('nextPage')),
  );
}
