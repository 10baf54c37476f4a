// The selected site's devices: kind, online or offline, battery, last value of each channel, out of service.

import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { formatTime, formatValue, quantityName } from '../format.js';
import { icon } from '../icons.js';

// Below this a detector may stop before the next visit. No national figure found: a common
// vendor low-battery warning point, kept here as a display hint only.
const LOW_BATTERY_PCT = 20;

function onlineText(online) {
  if (online === true) return t('online');
  if (online === false) return t('offlineState');
  return t('unknownState');
}

/** 探测器 / 阀门 / 风机, not the config's `detector` / `valve` / `fan`. */
function kindName(kind) {
  const name = t(`kind_${kind}`);
  return name === `kind_${kind}` ? kind : name;
}

export function renderDevices(el, { devices }) {
  if (devices.length === 0) return mount(el, h('p', { class: 'empty' }, t('noDevices')));
  mount(
    el,
    h(
      'ul',
      { class: 'device-list' },
      devices.map((d) =>
        h(
          'li',
          { class: `device ${d.online === false ? 'is-offline' : ''}`, dataset: { device: d.id, online: String(d.online) } },
          h('strong', {}, d.id),
          h('span', { class: 'device-kind' }, kindName(d.kind)),
          h('span', { class: 'device-online' }, d.online === false ? [icon('warn'), ' '] : '', onlineText(d.online)),
          d.battery !== null && d.battery !== undefined
            ? h('span', { class: d.battery < LOW_BATTERY_PCT ? 'battery-low' : 'battery' }, t(d.battery < LOW_BATTERY_PCT ? 'batteryLow' : 'battery', { pct: Math.round(d.battery) }))
            : null,
          // The last value of each channel (kept across a gateway restart), with its time on hover.
          (d.channels ?? []).filter((c) => c.value !== null && c.value !== undefined).map((c) =>
            h('span', { class: 'device-value', dataset: { channel: c.channel }, title: formatTime(c.tsMs) }, `${quantityName(c.quantity)} ${formatValue(c.value, c.quantity)}`),
          ),
          d.outOfService ? h('span', { class: 'out-of-service' }, t('outOfService', { reason: d.outOfService.reason }), ` (${formatTime(d.outOfService.untilMs)})`) : null,
        ),
      ),
    ),
  );
}
