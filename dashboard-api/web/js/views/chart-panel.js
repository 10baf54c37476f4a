// The chart panel: pick one detector channel of the selected site, load its history and the
// rule's set points, then follow it live.

import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { api, query } from '../api.js';
import { quantityName } from '../format.js';
import { createSensorChart, WINDOW_MS } from './sensor-chart.js';

function channelsOf(devices) {
  return devices.flatMap((d) => (d.channels ?? []).map((c) => ({ site: d.site, device: d.id, ...c })));
}

/** The set points of the quantity's threshold rule: a rate rule's levels (m/h) or a dose rule's are not values on this axis. */
function ruleLevels(rules, site, quantity) {
  const usable = (r) => r.quantity === quantity && r.levels && (r.kind ?? 'threshold') === 'threshold';
  const rule = rules.find((r) => usable(r) && r.site === site) ?? rules.find(usable);
  return rule?.levels ?? {};
}

export function createChartPanel({ select, chartEl, emptyEl, onError }) {
  const chart = createSensorChart(chartEl);
  let channels = [];
  let current = null;
  let rules = [];
  let loadSeq = 0;
  let site = null;

  async function load() {
    const seq = ++loadSeq;
    const key = select.value;
    current = channels.find((c) => `${c.device}/${c.channel}` === key) ?? null;
    if (!current) return chart.clear();
    const toMs = Date.now();
    const { points } = await api.get(
      `/history${query({ site: current.site, device: current.device, channel: current.channel, fromMs: toMs - WINDOW_MS, toMs, every: 'raw' })}`,
    );
    if (seq !== loadSeq) return; // the officer picked another sensor meanwhile
    const label = `${quantityName(current.quantity)} ${current.device}/${current.channel}${current.unit ? ` (${current.unit})` : ''}`;
    chart.show({ points, levels: ruleLevels(rules, current.site, current.quantity), label });
  }

  select.addEventListener('change', () => load().catch(onError));

  return {
    /** New site or new device list; keeps the chosen channel when it still exists. */
    async setSite({ site: nextSite, devices, rules: siteRules, preferred }) {
      rules = siteRules;
      // Device ids repeat between sites: keep the choice only while the site stays the same.
      const before = nextSite === site ? select.value : '';
      site = nextSite;
      channels = channelsOf(devices);
      emptyEl.hidden = channels.length > 0;
      if (channels.length === 0) emptyEl.textContent = t('noSensor');
      mount(
        select,
        channels.map((c) => h('option', { value: `${c.device}/${c.channel}` }, `${quantityName(c.quantity)} · ${c.device}/${c.channel}`)),
      );
      const keys = channels.map((c) => `${c.device}/${c.channel}`);
      select.value = keys.includes(before) ? before : keys.includes(preferred) ? preferred : (keys[0] ?? '');
      await load();
    },
    /** A `reading` event from the stream. */
    onReading(event) {
      if (!current || event.site !== current.site || event.device !== current.device) return;
      const value = event.readings?.[current.channel];
      if (typeof value === 'number') chart.addPoint(event.tsMs, value);
    },
    reload: () => load(),
  };
}
