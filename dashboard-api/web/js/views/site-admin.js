// An admin's changes to the selected site from the page: its own fields (PATCH /sites/:site, only
// what changed), a device added (POST /sites/:site/devices) with its secret shown once, and a device
// removed after a confirmation. Officers and viewers see none of it; the API refuses them anyway.

import { h, mount } from '../dom.js';
import { api } from '../api.js';
import { st } from '../site-admin-text.js';
import { openActionDialog } from './action-dialog.js';
import { showSecretOnce } from './secret-once.js';

const SITE_FIELDS = ['name', 'address', 'contact', 'contactPhone', 'region', 'org'];
/** The channel a detector reports each quantity on (the demo's and the import's names). */
const CHANNEL_OF = { methane_lel: 'ch4', lpg_lel: 'lpg', co_ppm: 'co', h2s_ppm: 'h2s', o2_pct: 'o2', water_level_m: 'level', temperature_c: 'temp' };
/** Service life by kind, CJJ/T 146-2011 (城镇燃气报警控制系统技术规程): gas detectors 3 years in
 * commercial kitchens, shut-off valves 10 years; a fan has none there. Prefilled, editable. */
const LIFE_YEARS = { detector: 3, valve: 10 };

/** YYYY-MM-DD `years` after `day`, or '' without a day or a life. */
export function replaceDay(day, years) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day ?? '') || !years) return '';
  const [y, m, d] = day.split('-').map(Number);
  // 29 February plus whole years lands on 1 March in a common year, as Date does.
  return new Date(Date.UTC(y + years, m - 1, d)).toISOString().slice(0, 10);
}

const QUANTITY_LABEL = { methane_lel: '甲烷 CH₄ (%LEL)', lpg_lel: '液化石油气 LPG (%LEL)', co_ppm: '一氧化碳 CO (ppm)', h2s_ppm: '硫化氢 H₂S (ppm)', o2_pct: '氧气 O₂ (%vol)', water_level_m: '水位 (m)', temperature_c: '温度 (°C)' };

/** Region options indented by depth (the API sends parents first, each with its path). */
function regionOptions(regions) {
  const sorted = [...regions].sort((a, b) => a.path.localeCompare(b.path));
  return sorted.map((r) => ({ value: r.id, label: `${'\u3000'.repeat(Math.max(0, r.path.split('/').length - 3))}${r.name} (${r.id})` }));
}

/** The fields whose value differs from the record's: '' clears an optional one (null). */
export function siteChanges(site, values) {
  const patch = {};
  for (const key of SITE_FIELDS) {
    const next = String(values[key] ?? '').trim();
    if (next === (site[key] ?? '')) continue;
    patch[key] = next === '' && key !== 'name' ? null : next;
  }
  return patch;
}

/**
 * root: where the admin's buttons go (above the devices list). onSiteChanged(): the cards read
 * again; onDevicesChanged(): the devices list reads again; report(err): a failure outside a dialog.
 */
export function createSiteAdmin({ root, onSiteChanged, onDevicesChanged, report }) {
  const status = h('span', { class: 'site-admin-status', role: 'status', 'aria-live': 'polite' });

  async function editSite(siteId) {
    const [{ site }, regions, orgs] = await Promise.all([
      api.get(`/sites/${encodeURIComponent(siteId)}`),
      api.get('/regions').then((r) => r.regions, () => []),
      api.get('/organisations').then((r) => r.organisations, () => []),
    ]);
    const none = { value: '', label: st('none') };
    // A region or organisation the caller's lists lack is kept as it is, not silently cleared.
    const regionOpts = regionOptions(regions);
    if (site.region && !regionOpts.some((o) => o.value === site.region)) regionOpts.unshift({ value: site.region, label: site.region });
    const orgOpts = orgs.map((o) => ({ value: o.id, label: `${o.name} (${o.id})` }));
    if (site.org && !orgOpts.some((o) => o.value === site.org)) orgOpts.unshift({ value: site.org, label: site.org });
    openActionDialog({
      title: st('editSiteTitle', { id: site.id }),
      action: 'edit-site',
      intro: site.source === 'config' ? st('configManaged') : undefined,
      submitLabel: st('save'),
      fields: [
        { name: 'name', label: st('siteName'), required: true, value: site.name },
        { name: 'address', label: st('address'), value: site.address ?? '' },
        { name: 'contact', label: st('contact'), value: site.contact ?? '' },
        { name: 'contactPhone', label: st('contactPhone'), type: 'tel', value: site.contactPhone ?? '' },
        { name: 'region', label: st('region'), type: 'select', value: site.region ?? '', options: [none, ...regionOpts] },
        { name: 'org', label: st('org'), type: 'select', value: site.org ?? '', options: [none, ...orgOpts] },
      ],
      submit: async (values) => {
        const patch = siteChanges(site, values);
        if (Object.keys(patch).length === 0) return;
        const saved = await api.patch(`/sites/${encodeURIComponent(site.id)}`, patch);
        status.textContent = st('saved', { name: saved.site.name });
        onSiteChanged();
      },
    });
  }

  function addDevice(siteId) {
    const today = new Date().toISOString().slice(0, 10);
    openActionDialog({
      title: st('addDeviceTitle', { site: siteId }),
      action: 'add-device',
      submitLabel: st('add'),
      fields: [
        { name: 'id', label: st('deviceId'), required: true, hint: st('deviceIdHint') },
        { name: 'kind', label: st('kind'), type: 'select', value: 'detector', options: ['detector', 'valve', 'fan'].map((k) => ({ value: k, label: st(`kind_${k}`) })) },
        { name: 'quantity', label: st('quantity'), type: 'select', value: 'methane_lel', options: Object.keys(CHANNEL_OF).map((q) => ({ value: q, label: QUANTITY_LABEL[q] })) },
        { name: 'space', label: st('space'), hint: st('spaceHint') },
        { name: 'installedOn', label: st('installedOn'), type: 'date', value: today },
        { name: 'replaceBy', label: st('replaceBy'), type: 'date', value: replaceDay(today, LIFE_YEARS.detector), hint: st('replaceByHint') },
      ],
      submit: async (values) => {
        const device = {
          id: values.id.trim(),
          kind: values.kind,
          ...(values.kind === 'detector' ? { channels: { [CHANNEL_OF[values.quantity]]: { quantity: values.quantity } } } : {}),
          ...(values.space.trim() ? { space: values.space.trim() } : {}),
          ...(values.installedOn ? { installedOn: values.installedOn } : {}),
          ...(values.replaceBy ? { replaceBy: values.replaceBy } : {}),
        };
        const made = await api.post(`/sites/${encodeURIComponent(siteId)}/devices`, device);
        // Shown after this dialog has closed: the secret gets a dialog of its own.
        setTimeout(() => showSecretOnce({ site: made.site, device: made.device.id, username: made.username, secret: made.secret }), 0);
        onDevicesChanged();
      },
    });
    followKind();
  }

  /** The gas field only for a detector; the replacement day follows kind and install day until typed over. */
  function followKind() {
    const kind = document.getElementById('field-kind');
    const quantity = document.getElementById('field-quantity');
    const installed = document.getElementById('field-installedOn');
    const replace = document.getElementById('field-replaceBy');
    if (!kind || !quantity || !installed || !replace) return;
    let typed = false;
    replace.addEventListener('input', () => (typed = true));
    const follow = () => {
      quantity.closest('label').hidden = kind.value !== 'detector';
      if (!typed) replace.value = replaceDay(installed.value, LIFE_YEARS[kind.value]);
    };
    kind.addEventListener('change', follow);
    installed.addEventListener('change', follow);
  }

  function removeDevice(siteId, deviceId) {
    openActionDialog({
      title: st('removeDeviceTitle', { device: deviceId }),
      action: 'remove-device',
      intro: st('removeDeviceText'),
      submitLabel: st('removeConfirm'),
      fields: [],
      submit: async () => {
        await api.del(`/sites/${encodeURIComponent(siteId)}/devices/${encodeURIComponent(deviceId)}`);
        status.textContent = st('removed', { device: deviceId });
        onDevicesChanged();
      },
    });
  }

  return {
    /** Drawn after the devices list: buttons for an admin, a remove button on each device. */
    render({ site, role, devicesEl }) {
      if (role !== 'admin' || !site) return mount(root);
      mount(
        root,
        h('button', { type: 'button', class: 'site-admin-edit', onclick: () => editSite(site).catch(report) }, st('editSite')),
        h('button', { type: 'button', class: 'site-admin-add', onclick: () => addDevice(site) }, st('addDevice')),
        status,
      );
      for (const li of devicesEl.querySelectorAll('li[data-device]')) {
        if (li.querySelector('.device-remove')) continue;
        const device = li.dataset.device;
        li.append(h('button', { type: 'button', class: 'device-remove link', dataset: { device }, onclick: () => removeDevice(site, device) }, st('removeDevice')));
      }
    },
  };
}
