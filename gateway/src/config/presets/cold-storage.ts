// Ammonia cold storage (氨制冷冷库), temperature only: a cold room that warms up (refrigeration
// failing) and the ammonia machine room. An NH3 gas quantity does not exist yet in quantities.ts.

import type { RuleInput } from './types.js';

// Neither GB 28009 (冷库安全规程) nor GB 50072-2021 (冷库设计标准) yielded an alarm temperature in
// the sources found: every set point here is NOT CONFIRMED and is meant to be overridden per site.
// Warming in a cold room is a goods and equipment alarm, not a life-safety one: no stop-work.
export const COLD_STORAGE_RULES: readonly RuleInput[] = [
  {
    id: 'cold-room-temp',
    quantity: 'temperature_c',
    direction: 'above',
    levels: {
      // Design room temperature −18 °C (frozen-goods room, 冻结物冷藏间): common design figure, not confirmed.
      yellow: -15, // not confirmed: design + 3 °C; per-site setting (a 0 °C chill room needs other numbers)
      orange: -12, // not confirmed: design + 6 °C; per-site setting
    },
    deadband: 0.8, // ISA-18.2 temperature starting point 1 % of span: span of a −40…+40 °C room sensor
    // Door openings and defrost cycles warm the air for minutes; ISA's 60 s would alarm on each one.
    onDelayS: 600, // not confirmed: 10 min; per site, tied to the defrost schedule
    stopWork: false,
  },
  {
    id: 'cold-machine-room-temp',
    quantity: 'temperature_c',
    direction: 'above',
    levels: {
      yellow: 35, // not confirmed: per-site setting
      // not confirmed as a room alarm: GB 50072-2021 §6.3.2 (secondary copy) keeps an ammonia system's
      // condensing temperature ≤ 40 °C; a machine room this hot suggests ventilation or cooling failed.
      orange: 40,
    },
    deadband: 0.8, // ISA-18.2 temperature starting point 1 % of span: span of a −20…+60 °C room sensor
    onDelayS: 60, // ISA-18.2 temperature starting point: 60 s
    stopWork: false,
  },
];
