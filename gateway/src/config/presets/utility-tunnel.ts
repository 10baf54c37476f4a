// Natural-gas compartment of a utility tunnel (综合管廊天然气舱): methane in %LEL. Alarm starts the
// accident ventilation; the shut-off level closes the gas pipeline (a stop-work order here).

import type { RuleInput } from './types.js';

export const UTILITY_TUNNEL_RULES: readonly RuleInput[] = [
  {
    id: 'tunnel-methane',
    quantity: 'methane_lel',
    direction: 'above',
    levels: {
      blue: 10, // not confirmed: early indication below the GB 50838 alarm; per-site setting
      yellow: 20, // GB 50838-2015 (secondary copy): alarm set point ≤ 20 %LEL; starts accident ventilation of the segment and its neighbours
      orange: 25, // GB/T 50493-2019 first-level alarm ≤ 25 %LEL (GB 50838 asks the system to follow GB 50493)
      red: 35, // GB 50838-2015 (secondary copy): emergency shut-off set point ≤ 35 %LEL
    },
    deadband: 2, // not confirmed: as kitchen.ts, a few % of the 0–100 %LEL span
    onDelayS: 2, // filters one-sample spikes; far inside the 30 s alarm time of GB/T 34004-2017
    stopWork: true, // GB 50838-2015 (secondary copy): at the shut-off set point the pipeline is closed
  },
  {
    id: 'tunnel-methane-rise',
    kind: 'rate',
    quantity: 'methane_lel',
    direction: 'rise',
    windowS: 60, // not confirmed: an example, "methane rising 5 %LEL within a minute → red"
    levels: { red: 5 }, // not confirmed: same example; per-site setting
    stopWork: true, // red in this compartment means shut-off, whichever rule raised it
  },
];
