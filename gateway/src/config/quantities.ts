// Quantities Shaobing knows, with their unit, alarm direction and physical range (DESIGN.md,
// Quantities). A channel's quantity comes from the device profile in config, never the payload.

export const QUANTITIES = ['methane_lel', 'lpg_lel', 'co_ppm', 'h2s_ppm', 'o2_pct', 'water_level_m', 'temperature_c'] as const;
export type Quantity = (typeof QUANTITIES)[number];

export interface QuantityInfo {
  readonly unit: string;
  /** Readings outside this range cannot be physical: a fault, not a level (issue 3). */
  readonly min: number;
  readonly max: number;
  readonly zh: string;
}

export const QUANTITY_INFO: Record<Quantity, QuantityInfo> = {
  methane_lel: { unit: '%LEL', min: 0, max: 100, zh: '甲烷' },
  lpg_lel: { unit: '%LEL', min: 0, max: 100, zh: '液化石油气' },
  co_ppm: { unit: 'ppm', min: 0, max: 10_000, zh: '一氧化碳' },
  h2s_ppm: { unit: 'ppm', min: 0, max: 1_000, zh: '硫化氢' },
  o2_pct: { unit: '%vol', min: 0, max: 100, zh: '氧气' },
  water_level_m: { unit: 'm', min: -100, max: 10_000, zh: '水位' },
  temperature_c: { unit: '°C', min: -80, max: 200, zh: '温度' },
};
