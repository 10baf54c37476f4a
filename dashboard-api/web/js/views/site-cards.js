// One page of site cards, grouped under their region (the API sends sites in alarm first, then by
// region path, so a run of cards shares a region). Each card is coloured by the site's worst active
// level and says it in words too. Only one page is in the DOM at a time: 10 000 sites never make
// 10 000 cards. The pager walks the API's cursors.

import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { levelLabel } from '../levels.js';
import { icon } from '../icons.js';
import { ft } from '../fleet-text.js';
import { pager } from './pager.js';

function card(site, { selectedSite, onSelect, showRegion }) {
  const selected = site.id === selectedSite;
  return h(
    'button',
    {
      type: 'button',
      class: `site-tile level-${site.worstLevel ?? 'none'}${selected ? ' selected' : ''}`,
      dataset: { site: site.id, level: site.worstLevel ?? 'none', region: site.region ?? '' },
      'aria-pressed': selected ? 'true' : 'false',
      title: t('selectSite', { name: site.name }),
      onclick: () => onSelect(site.id),
    },
    h('span', { class: 'site-name' }, site.name),
    h('span', { class: 'site-level' }, levelLabel(site.worstLevel)),
    site.activeAlarms > 0 ? h('span', { class: 'site-count' }, t('activeAlarms', { n: site.activeAlarms })) : null,
    showRegion && site.regionName ? h('span', { class: 'site-region' }, site.regionName) : null,
    site.address ? h('span', { class: 'site-address' }, site.address) : null,
    site.order && site.order.state === 'active' ? h('span', { class: 'site-order' }, icon('stop'), ' ', t('orderInForce')) : null,
  );
}

/**
 * The sites in alarm as one group, in the order they came (worst first, from all over the fleet:
 * grouped by region they would make a heading per card); then the other sites of the page under
 * their region, regions in the order they first appear (the API may page by region or by id).
 */
export function groupByRegion(sites) {
  const alarmed = { inAlarm: true, region: null, regionName: null, sites: [] };
  const byRegion = new Map();
  for (const site of sites) {
    if (site.worstLevel) {
      alarmed.sites.push(site);
      continue;
    }
    const key = site.region ?? '';
    if (!byRegion.has(key)) byRegion.set(key, { inAlarm: false, region: site.region ?? null, regionName: site.regionName ?? null, sites: [] });
    byRegion.get(key).sites.push(site);
  }
  return [...(alarmed.sites.length ? [alarmed] : []), ...byRegion.values()];
}

/**
 * el: the cards' container. page: { sites, total, index (0-based), pages, cursors, loading }.
 * regionTrail(id): the region's ancestors' names for a group's heading.
 */
export function renderSiteCards(el, { page, selectedSite, onSelect, onPage, regionTrail }) {
  if (page.sites.length === 0) return mount(el, h('p', { class: 'empty' }, page.loading ? ft('loading') : ft('noSitesMatch')));
  const groups = groupByRegion(page.sites);
  mount(
    el,
    groups.map((g) =>
      h(
        'section',
        { class: `site-group${g.inAlarm ? ' in-alarm' : ''}`, dataset: { region: g.region ?? '' } },
        h('h3', { class: 'site-group-title' }, g.inAlarm ? ft('inAlarmGroup') : g.region ? regionTrail(g.region, g.regionName) : ft('noRegion')),
        h('div', { class: 'site-grid' }, g.sites.map((s) => card(s, { selectedSite, onSelect, showRegion: g.inAlarm }))),
      ),
    ),
    pager({ index: page.index, pages: page.pages, hasNext: Boolean(page.cursors[page.index + 1]), loading: page.loading, onPage }),
  );
}
