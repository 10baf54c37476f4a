// Restaurant-kitchen preset (餐饮场所燃气报警): methane and LPG in %LEL, CO in ppm as an exposure
// dose (EN 50291-1); these are the rules a site gets when its config names none.

import type { RuleInput } from '../rule-schema.js';

/**
 * CO warnings follow the EN 50291-1 time-to-alarm curve (steady 30 ppm: no alarm within 120 min;
 * 50 ppm: alarm in 60–90 min; 100 ppm: 10–40 min; 300 ppm: within 3 min). An instant set point at
 * 30/50/100 ppm would alarm at once where the standard forbids an alarm for an hour or more:
 * nuisance alarms that teach a restaurant to unplug its detector. So the warnings are a dose.
 */
export const KITCHEN_CO_DOSE_RULE: RuleInput = {
  // Time-weighted CO exposure (detect/dose.ts). EN 50291-1: 30 ppm no alarm within 120 min;
  // 50 ppm alarm in 60–90 min; 100 ppm in 10–40 min; 300 ppm within 3 min. These constants
  // are a fit to those four points, not physiology: a steady c alarms after
  // 72 · (30 / (c − 20))^1.5 min, i.e. 30 ppm 374 min, 50 ppm 72, 100 ppm 16.5, 300 ppm 2.5,
  // and each window still holds with the concentration off by ±7.8 % (sensor tolerance).
  id: 'kitchen-co-dose',
  kind: 'dose',
  quantity: 'co_ppm',
  c0Ppm: 20, // fit; near the GBZ 2.1-2019 8-h limit of 20 mg/m³ (≈ 17 ppm), not confirmed as a source
  exponent: 1.5, // fit (toxic-load form C^n·t, ten Berge); n = 1 cannot meet 300 ppm ≤ 3 min with 50 ppm ≥ 60 min and margin
  refPpm: 50, // EN 50291-1: 50 ppm …
  refMin: 72, // … alarms within 60–90 min: 72 min leaves the most room on all four points
  levels: {
    yellow: 1, // EN 50291-1 alarm point
    red: 2, // twice the alarm dose (50 ppm 144 min, 100 ppm 33 min, 300 ppm 5 min); no standard figure: per-site setting
  },
  deadband: 0.1, // clears once a tenth of a dose has drained: about 13 min of clean air
  maxGapS: 300, // a silent detector is not counted as exposed for more than 5 min per gap
  stopWork: true, // CO in a kitchen comes from the gas appliances: at red, cut the gas and ventilate
};

/**
 * The one immediate CO level the standard allows: EN 50291-1 sets only a latest time (3 min) at
 * 300 ppm and no earliest one, so a set point at 300 ppm may alarm at once; below it (100 ppm must
 * not alarm before 10 min) only the dose may. Orange, not red: stop-work on CO is the dose rule's
 * red (2 doses, 5 min at a steady 300 ppm, under a minute at 1 000 ppm).
 */
export const KITCHEN_CO_HIGH_RULE: RuleInput = {
  id: 'kitchen-co-high',
  quantity: 'co_ppm',
  direction: 'above',
  levels: { orange: 300 }, // EN 50291-1: 300 ppm must alarm within 3 min (no earliest time)
  deadband: 30, // clears below 270 ppm: a tenth of the set point, so a reading wobbling around 300 does not chatter
  onDelayS: 60, // 60 s of reading time: a burner's ignition puff passes, the alarm still comes well within 3 min
  stopWork: false,
};

/** The kitchen preset, and the config's default `rules`. */
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
  KITCHEN_CO_DOSE_RULE,
  KITCHEN_CO_HIGH_RULE,
];

/**
 * The kitchen's rise rule, not yet in KITCHEN_RULES (the config default): it stops work at about
 * 10 %LEL in a fast leak, before any threshold, which changes what a site sees on the default
 * config and in the demo. A site opts in by listing it in its `rules` (see shaobing.yaml).
 */
export const KITCHEN_RISE_RULES: readonly RuleInput[] = [
  {
    // A leak shows as a climb before it reaches a set point: act on the climb (methane rising
    // 5 %LEL within a minute → red even below the red threshold). No national figure for a rise
    // rate was found: per-site setting, conservative default.
    id: 'kitchen-methane-rise',
    kind: 'rate',
    quantity: 'methane_lel',
    direction: 'rise',
    windowS: 60,
    levels: {
      yellow: 2.5, // half the red rise: an early warning (per-site setting)
      red: 5, // 5 %LEL within a minute (per-site setting, conservative default)
    },
    deadband: 1, // clears below 1.5 / 4 %LEL per minute: above a kitchen detector's noise after the median
    minSamples: 3, // the median of three readings: one spike never raises (detect/rate.ts)
    stopWork: true, // GB/T 34004-2017 links the kitchen gas alarm to the shut-off valve
  },
];
