// The region tree (省 › 市 › 区县 › 街道乡镇 › 网格): each node says its level, its site count and,
// in colour and in words, the worst level of the active alarms under it. Only the children of
// expanded nodes are drawn, so a tree of thousands of grids costs the nodes an officer opened.

import { h, mount } from '../dom.js';
import { levelLabel } from '../levels.js';
import { ft } from '../fleet-text.js';

/** A node's active alarms by level (the API has called the field `active` and `activeAlarms`). */
export function activeOf(region) {
  return region.active ?? region.activeAlarms ?? null;
}

/** The worst level with an active alarm under a node, or null. */
export function nodeWorst(active) {
  for (const level of ['red', 'orange', 'yellow', 'blue']) if ((active?.[level] ?? 0) > 0) return level;
  return null;
}

export function activeTotal(active) {
  return (active?.red ?? 0) + (active?.orange ?? 0) + (active?.yellow ?? 0) + (active?.blue ?? 0);
}

/** Children by parent id ('' for the roots), each list in the API's path order. */
export function childrenOf(regions) {
  const byParent = new Map();
  const ids = new Set(regions.map((r) => r.id));
  for (const r of regions) {
    // A node whose parent the scope hides is a root for this officer.
    const parent = r.parent && ids.has(r.parent) ? r.parent : '';
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(r);
  }
  return byParent;
}

function node(region, ctx, depth) {
  const kids = ctx.children.get(region.id) ?? [];
  const open = ctx.expanded.has(region.id);
  const active = activeOf(region);
  const worst = nodeWorst(active);
  const selected = region.id === ctx.selected;
  const row = h(
    'div',
    { class: `region-row${selected ? ' selected' : ''}`, style: { paddingLeft: `${depth * 0.9}rem` } },
    kids.length
      ? h(
          'button',
          {
            type: 'button',
            class: 'region-toggle',
            'aria-expanded': open ? 'true' : 'false',
            'aria-label': ft(open ? 'collapse' : 'expand', { name: region.name }),
            onclick: () => ctx.onToggle(region.id),
          },
          open ? '▾' : '▸',
        )
      : h('span', { class: 'region-toggle-space', 'aria-hidden': 'true' }),
    h(
      'button',
      {
        type: 'button',
        class: 'region-pick',
        dataset: { region: region.id, level: worst ?? 'none' },
        'aria-current': selected ? 'true' : null,
        onclick: () => ctx.onSelect(region.id),
      },
      h('span', { class: 'region-name' }, region.name),
      h('span', { class: 'region-kind' }, ft(`region_${region.level}`)),
      h('span', { class: 'region-sites' }, ft('siteCount', { n: region.siteCount })),
      worst ? h('span', { class: `region-alarm level-${worst}` }, `${levelLabel(worst)} · ${ft('nodeActive', { n: activeTotal(active) })}`) : null,
    ),
  );
  return h('li', { role: 'treeitem', 'aria-expanded': kids.length ? String(open) : null, 'aria-selected': selected ? 'true' : 'false' }, row, open && kids.length ? h('ul', { role: 'group' }, kids.map((k) => node(k, ctx, depth + 1))) : null);
}

export function renderRegionTree(el, { regions, selected, expanded, onSelect, onToggle }) {
  const children = childrenOf(regions);
  const ctx = { children, expanded, selected, onSelect, onToggle };
  const roots = children.get('') ?? [];
  mount(
    el,
    h(
      'button',
      { type: 'button', class: `region-all${selected === null ? ' selected' : ''}`, 'aria-current': selected === null ? 'true' : null, onclick: () => onSelect(null) },
      ft('allRegions'),
    ),
    h('ul', { class: 'region-tree', role: 'tree', 'aria-label': ft('regionsTitle') }, roots.map((r) => node(r, ctx, 0))),
  );
}

/** The ancestors of `id` and itself, root first (for breadcrumbs and for opening the tree to it). */
export function lineage(regions, id) {
  const byId = new Map(regions.map((r) => [r.id, r]));
  const out = [];
  for (let r = byId.get(id); r; r = r.parent ? byId.get(r.parent) : undefined) {
    out.unshift(r);
    if (out.length > 16) break; // a cycle cannot come from the registry; do not hang on one
  }
  return out;
}
