// Outdoor heat (户外高温) from a shaded air-temperature sensor, after the China Meteorological
// Administration high-temperature warning signals (高温预警信号).

import type { RuleInput } from './types.js';

// The CMA signals are forecasts of the daily maximum; this rule works on measured readings, so it
// confirms heat rather than forecasting it. Yellow's "three consecutive days ≥ 35 °C" cannot be a
// threshold on one reading: it is approximated by raising yellow on the FIRST reading at 35 °C held
// for the on-delay, i.e. on day one rather than day three. That warns earlier than the signal
// (conservative, never later); a day-count rule would need state across days.
export const HEAT_RULES: readonly RuleInput[] = [
  {
    id: 'heat-air-temp',
    quantity: 'temperature_c',
    direction: 'above',
    levels: {
      yellow: 35, // CMA 高温黄色预警: 35 °C or more on three consecutive days (approximated, see above)
      orange: 37, // CMA 高温橙色预警: 37 °C or more within 24 h
      red: 40, // CMA 高温红色预警: 40 °C or more within 24 h
    },
    deadband: 1, // ISA-18.2 temperature starting point 1 % of span: span of a −40…+60 °C outdoor sensor
    onDelayS: 60, // ISA-18.2 temperature starting point: 60 s (also filters a gust of sun on the screen)
    // Heat-work rules (停止露天作业 thresholds, hours) vary by province: stop-work is a per-site choice.
    stopWork: false,
  },
];
