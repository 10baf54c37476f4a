// Gas valve well and adjacent underground space (燃气阀门井 / 相邻地下空间): methane in %LEL.
// No CJJ 51 alarm figure was found, so the levels borrow the nearest published gas figures.

import type { RuleInput } from './types.js';

export const VALVE_WELL_RULES: readonly RuleInput[] = [
  {
    id: 'valve-well-methane',
    quantity: 'methane_lel',
    direction: 'above',
    levels: {
      blue: 10, // not confirmed: early indication; sewer biogas may sit near it, so a per-site setting
      yellow: 20, // GB 50838 (utility-tunnel gas compartment) alarm ≤ 20 %LEL: nearest underground-space figure
      orange: 25, // GB/T 50493-2019: first-level combustible-gas alarm ≤ 25 %LEL
      red: 50, // GB/T 50493-2019: second-level combustible-gas alarm ≤ 50 %LEL
    },
    deadband: 2, // not confirmed: as kitchen.ts, a few % of the 0–100 %LEL span
    onDelayS: 2, // filters one-sample spikes; far inside the 30 s alarm time of GB/T 34004-2017
    // A valve well has no local shut-off to trip: closing a distribution valve would cut supply to
    // many users. Red dispatches the emergency crew instead; a site with workers in the well uses
    // the confined_space preset, which does stop work. Per site.
    stopWork: false,
  },
  {
    id: 'valve-well-methane-rise',
    kind: 'rate',
    quantity: 'methane_lel',
    direction: 'rise',
    windowS: 60, // not confirmed: an example, "methane rising 5 %LEL within a minute → red"
    levels: { red: 5 }, // not confirmed: same example; per-site setting
    stopWork: false, // as valve-well-methane above: red dispatches the crew, it does not cut supply
  },
];
