// Quantities Shaobing knows, with their unit, alarm direction and physical range.
// A channel's quantity comes from the device profile in config, never the payload.

export const QUANTITIES = ['methane_lel', 'lpg_lel', 'co_ppm', 'h2s_ppm', 'o2_pct', 'water_level_m', 'temperature_c'] as const;
export type Quantity = (typeof QUANTITIES)[number];

export interface QuantityInfo {
  readonly unit: string;
  /** Readings outside this range cannot be physical: a fault, not a level. */
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

/**
 * ISA-18.2 starting points for alarm deadband (% of span) and on-/off-delay by signal type: the
 * table of recommended deadbands and delays in ANSI/ISA-18.2-2016 (ISA-TR18.2.3, after EEMUA 191).
 * A threshold rule that gives no deadband or delay gets these.
 */
export const ISA_18_2_STARTING_POINTS = {
  flow: { deadbandPctOfSpan: 5, delayS: 15 },
  level: { deadbandPctOfSpan: 5, delayS: 60 },
  pressure: { deadbandPctOfSpan: 2, delayS: 15 },
  temperature: { deadbandPctOfSpan: 1, delayS: 60 },
} as const;

/**
 * The ISA-18.2 signal type of a quantity, and the span its deadband is a percentage of: a fixed
 * instrument span, or `setPoints` for the band between the rule's lowest and highest set points
 * (a gauge's range is its own; presets/reservoir.ts measures its deadband over that band too).
 * Gas concentrations are analyser signals, outside that table: their presets give their own.
 */
const ISA_SIGNAL: Partial<Record<Quantity, { type: keyof typeof ISA_18_2_STARTING_POINTS; span: number | 'setPoints' }>> = {
  water_level_m: { type: 'level', span: 'setPoints' },
  temperature_c: { type: 'temperature', span: 100 }, // a −40…+60 °C sensor, as presets/heat.ts
};

/** The deadband and delays (s) a threshold rule on `quantity` starts from; undefined outside the ISA-18.2 table. */
export function isaStartingPoints(quantity: Quantity, setPoints: readonly number[]): { deadband: number; delayS: number } | undefined {
  const signal = ISA_SIGNAL[quantity];
  if (signal === undefined) return undefined;
  const { deadbandPctOfSpan, delayS } = ISA_18_2_STARTING_POINTS[signal.type];
  const span = signal.span === 'setPoints' ? (setPoints.length > 0 ? Math.max(...setPoints) - Math.min(...setPoints) : 0) : signal.span;
  // To a thousandth of the unit (a millimetre of water), as presets/reservoir.ts rounds.
  return { deadband: Math.round(((deadbandPctOfSpan / 100) * span) * 1000) / 1000, delayS };
}

/** Every unit a reading of these quantities is given in (%LEL, ppm, %vol …), e.g. for a manual gas test. */
export const QUANTITY_UNITS: readonly string[] = [...new Set(Object.values(QUANTITY_INFO).map((q) => q.unit))];
