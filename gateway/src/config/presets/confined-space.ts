// Confined-space work (有限空间作业): oxygen, H2S, CO and combustible gas at the entrant's
// detector. Red is the limit beyond which the atmosphere is hazardous: evacuate (stop work).

import type { RuleInput } from './types.js';

/**
 * Occupational limits are in mg/m³ (GBZ 2.1); detectors read ppm. ppm = mg/m³ × Vm / M, with Vm
 * the molar volume: 24.45 L/mol at 25 °C or 24.04 L/mol at 20 °C (101.325 kPa). The set points
 * below are rounded DOWN from the smaller of the two, so they hold under either convention.
 */
export function mgPerM3ToPpm(mgPerM3: number, molarMassG: number, molarVolumeL = 24.45): number {
  return (mgPerM3 * molarVolumeL) / molarMassG;
}
export const MOLAR_MASS_G = { h2s: 34.08, co: 28.01 } as const; // physical constants

// Detectors answer in seconds; 2 s filters a one-sample spike (as kitchen.ts) and stays far inside
// the 30 s alarm time of GB/T 34004-2017.
const ON_DELAY_S = 2;

export const CONFINED_SPACE_RULES: readonly RuleInput[] = [
  {
    id: 'confined-o2-low',
    quantity: 'o2_pct',
    direction: 'below',
    levels: {
      yellow: 20, // not confirmed: early warning (normal air 20.9 %vol); per-site setting
      red: 19.5, // GB 8958 缺氧: below 19.5 %vol; CJJ 6-2009 (sewer work, secondary copy) and OSHA 29 CFR 1910.146(b) agree
    },
    deadband: 0.3, // not confirmed: 1 % of a 0–30 %vol O2 cell's range (ISA-18.2-style starting point)
    onDelayS: ON_DELAY_S,
    stopWork: true, // evacuate
  },
  {
    id: 'confined-o2-high',
    quantity: 'o2_pct',
    direction: 'above',
    levels: {
      yellow: 23, // not confirmed: early warning; per-site setting
      red: 23.5, // enrichment above 23.5 %vol: common confined-space practice; OSHA 29 CFR 1910.146(b)
    },
    deadband: 0.3, // not confirmed: 1 % of a 0–30 %vol O2 cell's range
    onDelayS: ON_DELAY_S,
    stopWork: true, // evacuate: enriched air makes any ignition far more violent
  },
  {
    id: 'confined-h2s',
    quantity: 'h2s_ppm',
    direction: 'above',
    levels: {
      yellow: 3.5, // 50 % of the red limit: OSHA 1910.146 (c)(5) guidance, "safe for entry" ≤ half the hazardous level
      // GBZ 2.1-2019: H2S MAC 10 mg/m³ (a ceiling, never to be exceeded) = 10 × 24.45 / 34.08 = 7.17 ppm
      // (7.05 ppm at 20 °C) → 7. GB/T 50493-2019 puts the first toxic alarm at ≤ 100 % of the limit.
      red: 7,
    },
    deadband: 0.5, // not confirmed: a few times the 0.1 ppm resolution of an electrochemical H2S cell
    onDelayS: ON_DELAY_S,
    stopWork: true, // evacuate
  },
  {
    id: 'confined-co',
    quantity: 'co_ppm',
    direction: 'above',
    levels: {
      yellow: 8, // 50 % of PC-TWA (8.59 ppm at 20 °C, rounded down): OSHA 1910.146 (c)(5) guidance, as for H2S
      // GBZ 2.1-2019: CO PC-TWA 20 mg/m³ = 20 × 24.45 / 28.01 = 17.46 ppm (17.17 ppm at 20 °C) → 17;
      // also GB/T 50493-2019's first toxic alarm (≤ 100 % of the limit, 20 mg/m³).
      orange: 17,
      // GBZ 2.1-2019: CO PC-STEL 30 mg/m³ = 30 × 24.45 / 28.01 = 26.19 ppm (25.75 ppm at 20 °C) → 25;
      // below GB/T 50493-2019's second toxic alarm (≤ 200 %, 40 mg/m³ ≈ 34 ppm). Limits for sites
      // above 2 000 m are lower in GBZ 2.1 (MAC 20 / 15 mg/m³): set per site.
      red: 25,
    },
    deadband: 2, // not confirmed: a few times the 1 ppm resolution of an electrochemical CO cell
    onDelayS: ON_DELAY_S,
    stopWork: true, // evacuate
  },
  {
    id: 'confined-methane',
    quantity: 'methane_lel',
    direction: 'above',
    levels: {
      yellow: 5, // OSHA 1910.146 (c)(5) guidance: safe for entry ≤ 50 % of the hazardous level (0.25 %vol methane)
      red: 10, // OSHA 29 CFR 1910.146(b): hazardous above 10 % of the LFL; no Chinese primary text found: not confirmed for China
    },
    deadband: 1, // not confirmed: 1 % of the 0–100 %LEL span
    onDelayS: ON_DELAY_S,
    stopWork: true, // evacuate
  },
  {
    id: 'confined-lpg',
    quantity: 'lpg_lel',
    direction: 'above',
    levels: { yellow: 5, red: 10 }, // same sources as confined-methane (10 % of the LFL holds for any gas)
    deadband: 1, // not confirmed: 1 % of the 0–100 %LEL span
    onDelayS: ON_DELAY_S,
    stopWork: true, // evacuate
  },
];
