// The region tree's editor for an admin of the whole fleet: a child region under the node the tree
// has selected (or a top-level one), a rename, a removal (PUT / DELETE /regions/:id). The registry
// refuses removing a region sites or child regions still name; its reason is said in the page's
// language, so the admin knows what to move first.

import { h, mount } from '../dom.js';
import { api, ApiError } from '../api.js';
import { ft } from '../fleet-text.js';
import { at, regionRefusalText } from '../admin-text.js';
import { openActionDialog } from './action-dialog.js';

const LEVELS = ['province', 'city', 'county', 'town', 'grid'];

/** The level one below `level` (a county's child is a town), the last staying the last. */
export function childLevel(level) {
  const i = LEVELS.indexOf(level);
  return i < 0 ? 'province' : LEVELS[Math.min(i + 1, LEVELS.length - 1)];
}

/** The body PUT /regions/:id takes for `region` with `changes` (the whole record: the API replaces it). */
function regionBody(region, changes) {
  return { name: region.name, level: region.level, ...(region.parent ? { parent: region.parent } : {}), officers: region.officers ?? [], ...changes };
}

function inLanguage(err) {
  return err instanceof ApiError && err.status === 409 ? new ApiError(err.status, regionRefusalText(err.message), err.body) : err;
}

/**
 * root: where the editor goes; selectedRegion(): the tree's selected region id or null;
 * onChanged(): the tree, the cards and the users' region names read again.
 */
export function createRegionAdmin({ root, selectedRegion, onChanged, report }) {
  const status = h('span', { class: 'admin-status', role: 'status', 'aria-live': 'polite' });
  let regions = [];

  async function load() {
    regions = (await api.get('/regions')).regions;
    render();
  }

  const current = () => regions.find((r) => r.id === selectedRegion()) ?? null;

  async function changed(message) {
    status.textContent = message;
    onChanged();
    await load();
  }

  function addRegion(parent) {
    openActionDialog({
      title: parent ? at('addRegionTitle', { name: parent.name }) : at('addTopRegionTitle'),
      action: 'add-region',
      submitLabel: at('create'),
      fields: [
        { name: 'id', label: at('regionId'), required: true, hint: at('regionIdHint') },
        { name: 'name', label: at('regionName'), required: true },
        { name: 'level', label: at('regionLevel'), type: 'select', value: parent ? childLevel(parent.level) : 'province', options: LEVELS.map((l) => ({ value: l, label: ft(`region_${l}`) })) },
      ],
      submit: async (values) => {
        const id = values.id.trim();
        const body = { name: values.name.trim(), level: values.level, ...(parent ? { parent: parent.id } : {}), officers: [] };
        // PUT creates or changes: an id already in the tree would rename that region, not add one.
        const taken = regions.find((r) => r.id === id);
        if (taken) throw new ApiError(409, at('regionExists', { id, name: taken.name }));
        await api.put(`/regions/${encodeURIComponent(id)}`, body);
        await changed(at('regionAdded', { name: body.name }));
      },
    });
  }

  function rename(region) {
    openActionDialog({
      title: at('renameRegionTitle', { id: region.id }),
      action: 'rename-region',
      submitLabel: at('save'),
      fields: [{ name: 'name', label: at('regionName'), required: true, value: region.name }],
      submit: async (values) => {
        const name = values.name.trim();
        if (name === region.name) return;
        await api.put(`/regions/${encodeURIComponent(region.id)}`, regionBody(region, { name }));
        await changed(at('renamed', { name }));
      },
    });
  }

  function remove(region) {
    openActionDialog({
      title: at('removeRegionTitle', { name: region.name }),
      action: 'remove-region',
      intro: at('removeRegionText'),
      submitLabel: at('removeConfirm'),
      fields: [],
      submit: async () => {
        try {
          await api.del(`/regions/${encodeURIComponent(region.id)}`);
        } catch (err) {
          throw inLanguage(err);
        }
        await changed(at('regionRemoved', { name: region.name }));
      },
    });
  }

  function render() {
    const region = current();
    mount(
      root,
      h('div', { class: 'admin-bar' }, h('h3', {}, at('regionsEdit')), status),
      h('p', { class: 'region-admin-selected' }, region ? at('regionSelected', { name: region.name, id: region.id }) : at('regionNone')),
      h(
        'div',
        { class: 'region-admin-buttons' },
        h('button', { type: 'button', class: 'region-add', onclick: () => addRegion(region) }, region ? at('addRegion') : at('addTopRegion')),
        region ? h('button', { type: 'button', class: 'region-rename', onclick: () => rename(region) }, at('renameRegion')) : null,
        region ? h('button', { type: 'button', class: 'region-remove', onclick: () => remove(region) }, at('removeRegion')) : null,
      ),
    );
  }

  return {
    start: () => load(),
    stop() {
      regions = [];
      mount(root);
    },
    /** Drawn again when the tree's selection moved. */
    render,
    reload: () => load().catch(report),
  };
}
