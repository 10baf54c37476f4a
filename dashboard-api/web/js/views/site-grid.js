// The grid of sites, each tile coloured by its worst active level and saying it in words too.

import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { levelLabel } from '../levels.js';
import { icon } from '../icons.js';

export function renderSiteGrid(el, { sites, selectedSite, onSelect }) {
  if (sites.length === 0) return mount(el, h('p', { class: 'empty' }, t('noSites')));
  mount(
    el,
    sites.map((site) =>
      h(
        'button',
        {
          type: 'button',
          class: `site-tile level-${site.worstLevel ?? 'none'}${site.id === selectedSite ? ' selected' : ''}`,
          dataset: { site: site.id, level: site.worstLevel ?? 'none' },
          'aria-pressed': site.id === selectedSite ? 'true' : 'false',
          title: t('selectSite', { name: site.name }),
          onclick: () => onSelect(site.id),
        },
        h('span', { class: 'site-name' }, site.name),
        h('span', { class: 'site-level' }, levelLabel(site.worstLevel)),
        h('span', { class: 'site-count' }, t('activeAlarms', { n: site.activeAlarms })),
        site.order && site.order.state === 'active' ? h('span', { class: 'site-order' }, icon('stop'), ' ', t('orderInForce')) : null,
      ),
    ),
  );
}
