// Restaurant-kitchen preset (餐饮场所燃气报警): methane and LPG in %LEL, CO in ppm. Issue 3 widens
// the presets; these are the rules a site gets when its config names none.

import type { z } from 'zod';
import type { thresholdRuleSchema } from '../schema.js';

type RuleInput = z.input<typeof thresholdRuleSchema>;

export const KITCHEN_RULES: readonly RuleInput[] = [
  {
    id: 'kitchen-methane',
    quantity: 'methane_lel',
    direction: 'above',
    levels: {
      blue: 10, // early indication; no national figure found: per-site setting, conservative default
      yellow: 20, // GB 50838 (utility-tunnel gas compartment): alarm at ≤ 20 %LEL
      orange: 25, // GB/T 50493-2019: first-level combustible-gas alarm ≤ 25 %LEL
      red: 50, // GB/T 50493-2019: second-level alarm ≤ 50 %LEL; GB/T 34004-2017 links it to shut-off
    },
    deadband: 2, // ISA-18.2 starting point for analyser-type signals is a few % of span (EEMUA 191)
    onDelayS: 2, // GB/T 34004-2017 asks for an alarm within 30 s; 2 s filters one-sample spikes
    stopWork: true,
  },
  {
    id: 'kitchen-lpg',
    quantity: 'lpg_lel',
    direction: 'above',
    levels: { blue: 10, yellow: 20, orange: 25, red: 50 }, // same sources as methane (GB/T 50493-2019)
    deadband: 2,
    onDelayS: 2,
    stopWork: true,
  },
  {
    id: 'kitchen-co',
    quantity: 'co_ppm',
    direction: 'above',
    levels: {
      blue: 30, // EN 50291-1: 30 ppm must not alarm within 120 min, so below it is normal air
      yellow: 50, // EN 50291-1: 50 ppm alarms within 60–90 min
      orange: 100, // EN 50291-1: 100 ppm alarms within 10–40 min
      red: 300, // EN 50291-1: 300 ppm alarms within 3 min
    },
    deadband: 5,
    onDelayS: 2,
    // CO in a kitchen comes from the gas appliances themselves: at red, cut the gas and ventilate.
    stopWork: true,
  },
];
