// Times in the officer's local format and readings with their unit.

import { locale, t } from './i18n.js';

// Units as the gateway's quantity table names them (gateway/src/config/quantities.ts).
const UNITS = {
  methane_lel: '%LEL',
  lpg_lel: '%LEL',
  co_ppm: 'ppm',
  h2s_ppm: 'ppm',
  o2_pct: '%vol',
  water_level_m: 'm',
  temperature_c: '°C',
};

export function unitOf(quantity) {
  return UNITS[quantity] ?? '';
}

export function quantityName(quantity) {
  const key = `qty_${quantity}`;
  const name = t(key);
  return name === key ? quantity : name;
}

export function formatValue(value, quantity) {
  if (value === null || value === undefined) return '—';
  const number = new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(value);
  const unit = unitOf(quantity);
  return unit ? `${number} ${unit}` : number;
}

export function formatTime(ms) {
  if (ms === null || ms === undefined) return '—';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(ms));
}
