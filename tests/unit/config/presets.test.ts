// The site-type presets: every rule parses, set points run the way danger grows, and each cited
// figure is pinned here so an accidental edit of a safety number fails a test.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEVELS } from '../../../gateway/src/contract/levels.js';
import { ConfigError } from '../../../gateway/src/errors.js';
import { ruleSchema } from '../../../gateway/src/config/schema.js';
import { QUANTITY_INFO } from '../../../gateway/src/config/quantities.js';
import { KITCHEN_RULES } from '../../../gateway/src/config/presets/kitchen.js';
import { FIXED_PRESET_NAMES, PRESET_NAMES, PRESETS, RESERVOIR_PRESET, type RuleInput } from '../../../gateway/src/config/presets/index.js';
import { MOLAR_MASS_G, mgPerM3ToPpm } from '../../../gateway/src/config/presets/confined-space.js';
import { reservoirRules, type ReservoirLevels } from '../../../gateway/src/config/presets/reservoir.js';

const allRules = FIXED_PRESET_NAMES.flatMap((name) => PRESETS[name].rules.map((rule) => ({ name, rule })));

function rule(preset: keyof typeof PRESETS, id: string): RuleInput {
  const found = PRESETS[preset].rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id} in ${preset}`);
  return found;
}

/** The rule of that id from a list, for reading the reservoir rules. */
function byId(rules: readonly RuleInput[], id: string): RuleInput {
  const found = rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
}

/** Set points in level order, skipping absent ones. */
function setPoints(r: RuleInput): number[] {
  return LEVELS.flatMap((l) => (r.levels[l] === undefined ? [] : [r.levels[l]]));
}

describe('every preset', () => {
  it('names all seven presets, reservoir among them', () => {
    expect([...PRESET_NAMES].sort()).toEqual(['cold_storage', 'confined_space', 'outdoor_heat', 'reservoir', 'restaurant_kitchen', 'utility_tunnel', 'valve_well']);
    for (const name of FIXED_PRESET_NAMES) expect(PRESETS[name].titleZh.length).toBeGreaterThan(0);
    expect(RESERVOIR_PRESET.titleZh).toBe('水库河道水位');
  });

  it('reuses the kitchen rules rather than copying them', () => {
    expect(PRESETS.restaurant_kitchen.rules).toBe(KITCHEN_RULES);
  });

  it.each(allRules.map(({ name, rule: r }) => [name, r.id, r] as const))('%s %s parses with ruleSchema', (_, __, r) => {
    expect(() => ruleSchema.parse(r)).not.toThrow();
  });

  it.each(allRules.map(({ name, rule: r }) => [name, r.id, r] as const))('%s %s raises its set points the way danger grows', (_, __, r) => {
    const points = setPoints(r);
    // Only a `below` threshold falls with danger; rate changes and doses grow with it.
    const falling = (r.kind === undefined || r.kind === 'threshold') && r.direction === 'below';
    const sorted = [...points].sort((a, b) => (falling ? b - a : a - b));
    expect(points).toEqual(sorted);
    expect(new Set(points).size).toBe(points.length);
    const info = QUANTITY_INFO[r.quantity];
    if (r.kind === 'rate') {
      // A change within the window: above 0 and no more than the sensor's span.
      for (const p of points) expect(p > 0 && p <= info.max - info.min, `${p} a change inside the ${info.max - info.min} ${info.unit} span`).toBe(true);
    } else if (r.kind !== 'dose') {
      for (const p of points) expect(p >= info.min && p <= info.max, `${p} inside ${info.min}…${info.max} ${info.unit}`).toBe(true);
    }
  });

  it('holds the rise rules in the valve-well and utility-tunnel presets', () => {
    expect(PRESETS.valve_well.rules.map((r) => r.id)).toEqual(['valve-well-methane', 'valve-well-methane-rise']);
    expect(PRESETS.utility_tunnel.rules.map((r) => r.id)).toEqual(['tunnel-methane', 'tunnel-methane-rise']);
  });

  it('gives every rule an id of its own across presets', () => {
    const ids = allRules.map(({ rule: r }) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

// preset, rule id, setting, expected: each figure with a cited source (see the preset's comment).
const CITED: readonly (readonly [keyof typeof PRESETS, string, string, number | boolean | string])[] = [
  ['valve_well', 'valve-well-methane', 'levels.yellow', 20], // GB 50838 alarm ≤ 20 %LEL
  ['valve_well', 'valve-well-methane', 'levels.orange', 25], // GB/T 50493-2019 first level
  ['valve_well', 'valve-well-methane', 'levels.red', 50], // GB/T 50493-2019 second level
  ['utility_tunnel', 'tunnel-methane', 'levels.yellow', 20], // GB 50838 alarm ≤ 20 %LEL
  ['utility_tunnel', 'tunnel-methane', 'levels.orange', 25], // GB/T 50493-2019 first level
  ['utility_tunnel', 'tunnel-methane', 'levels.red', 35], // GB 50838 shut-off ≤ 35 %LEL
  ['utility_tunnel', 'tunnel-methane', 'stopWork', true], // GB 50838: shut-off
  // Rise rules: examples, not confirmed, per-site settings.
  ['valve_well', 'valve-well-methane-rise', 'kind', 'rate'],
  ['valve_well', 'valve-well-methane-rise', 'direction', 'rise'],
  ['valve_well', 'valve-well-methane-rise', 'windowS', 60], // +5 %LEL within a minute → red
  ['valve_well', 'valve-well-methane-rise', 'levels.red', 5],
  ['valve_well', 'valve-well-methane-rise', 'stopWork', false], // as valve-well-methane: no shut-off to trip
  ['utility_tunnel', 'tunnel-methane-rise', 'kind', 'rate'],
  ['utility_tunnel', 'tunnel-methane-rise', 'direction', 'rise'],
  ['utility_tunnel', 'tunnel-methane-rise', 'windowS', 60], // +5 %LEL within a minute → red
  ['utility_tunnel', 'tunnel-methane-rise', 'levels.red', 5],
  ['utility_tunnel', 'tunnel-methane-rise', 'stopWork', true], // red here is the shut-off
  ['confined_space', 'confined-o2-low', 'levels.red', 19.5], // GB 8958 deficiency
  ['confined_space', 'confined-o2-high', 'levels.red', 23.5], // enrichment, OSHA 1910.146
  ['confined_space', 'confined-h2s', 'levels.yellow', 3.5], // 50 % of the MAC, OSHA 1910.146 (c)(5)
  ['confined_space', 'confined-h2s', 'levels.red', 7], // GBZ 2.1 MAC 10 mg/m³
  ['confined_space', 'confined-co', 'levels.yellow', 8], // 50 % of PC-TWA
  ['confined_space', 'confined-co', 'levels.orange', 17], // GBZ 2.1 PC-TWA 20 mg/m³
  ['confined_space', 'confined-co', 'levels.red', 25], // GBZ 2.1 PC-STEL 30 mg/m³
  ['confined_space', 'confined-methane', 'levels.yellow', 5], // OSHA 1910.146 (c)(5)
  ['confined_space', 'confined-methane', 'levels.red', 10], // OSHA 1910.146(b) 10 % LFL
  ['confined_space', 'confined-lpg', 'levels.red', 10], // OSHA 1910.146(b) 10 % LFL
  ['outdoor_heat', 'heat-air-temp', 'levels.yellow', 35], // CMA yellow
  ['outdoor_heat', 'heat-air-temp', 'levels.orange', 37], // CMA orange
  ['outdoor_heat', 'heat-air-temp', 'levels.red', 40], // CMA red
  ['outdoor_heat', 'heat-air-temp', 'onDelayS', 60], // ISA-18.2 temperature
  ['outdoor_heat', 'heat-air-temp', 'deadband', 1], // ISA-18.2 temperature 1 % of 100 °C span
  ['outdoor_heat', 'heat-air-temp', 'stopWork', false], // per province: per site
  ['cold_storage', 'cold-machine-room-temp', 'onDelayS', 60], // ISA-18.2 temperature
  ['cold_storage', 'cold-room-temp', 'deadband', 0.8], // ISA-18.2 temperature 1 % of 80 °C span
];

describe('cited figures', () => {
  it.each(CITED)('%s %s %s is %s', (preset, id, setting, expected) => {
    const value = setting.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], rule(preset, id));
    expect(value).toBe(expected);
  });

  it('every confined-space rule evacuates at red', () => {
    for (const r of PRESETS.confined_space.rules) expect(r.stopWork, r.id).toBe(true);
  });
});

describe('ppm from GBZ 2.1 mg/m³ limits', () => {
  const atBoth = (mg: number, molarMass: number): number => Math.min(mgPerM3ToPpm(mg, molarMass, 24.45), mgPerM3ToPpm(mg, molarMass, 24.04));

  it('converts H2S MAC 10 mg/m³ to about 7.17 ppm at 25 °C', () => {
    expect(mgPerM3ToPpm(10, MOLAR_MASS_G.h2s)).toBeCloseTo(7.17, 2);
  });

  it('converts CO 20 and 30 mg/m³ to about 17.46 and 26.19 ppm at 25 °C', () => {
    expect(mgPerM3ToPpm(20, MOLAR_MASS_G.co)).toBeCloseTo(17.46, 2);
    expect(mgPerM3ToPpm(30, MOLAR_MASS_G.co)).toBeCloseTo(26.19, 2);
  });

  it('rounds each set point down from the smaller of the 20 °C and 25 °C conversions', () => {
    expect(rule('confined_space', 'confined-h2s').levels.red).toBe(Math.floor(atBoth(10, MOLAR_MASS_G.h2s)));
    expect(rule('confined_space', 'confined-co').levels.orange).toBe(Math.floor(atBoth(20, MOLAR_MASS_G.co)));
    expect(rule('confined_space', 'confined-co').levels.red).toBe(Math.floor(atBoth(30, MOLAR_MASS_G.co)));
    expect(rule('confined_space', 'confined-co').levels.yellow).toBe(Math.floor(atBoth(20, MOLAR_MASS_G.co) / 2));
  });

  it('stays within GB/T 50493-2019: second toxic alarm at most 200 % of the limit', () => {
    expect(rule('confined_space', 'confined-co').levels.red!).toBeLessThanOrEqual(atBoth(40, MOLAR_MASS_G.co));
  });
});

describe('reservoir levels', () => {
  it('colours the Wuhan Guan gauge (设防 25.00, 警戒 27.30, 保证 29.73 = 1954 record 29.73 m)', () => {
    const r = byId(reservoirRules({ floodLimitM: 25, warningM: 27.3, guaranteedM: 29.73, historicalMaxM: 29.73 }), 'reservoir-level');
    // The guaranteed level IS the historical maximum there: red at once, orange has no band.
    expect(r.levels).toEqual({ blue: 25, yellow: 27.3, red: 29.73 });
    expect(r).toMatchObject({ deadband: 0.237, onDelayS: 60 }); // 5 % of 29.73 − 25.00; ISA-18.2 level
  });

  it('gives each colour its own band when the four levels differ (25.0 / 27.3 / 28.28 / 29.73)', () => {
    const r = byId(reservoirRules({ floodLimitM: 25, warningM: 27.3, guaranteedM: 28.28, historicalMaxM: 29.73 }), 'reservoir-level');
    expect(r.levels).toEqual({ blue: 25, yellow: 27.3, orange: 28.28, red: 29.73 });
    expect(r.deadband).toBe(0.164); // 5 % of 28.28 − 25.00
    expect(r.stopWork).toBe(false);
    expect(() => ruleSchema.parse(r)).not.toThrow();
  });

  it('adds the rise rule: +0.3 m within an hour is orange, named after the gauge rule', () => {
    const levels = { floodLimitM: 25, warningM: 27.3, guaranteedM: 28.28, historicalMaxM: 29.73 };
    const rise = byId(reservoirRules(levels), 'reservoir-level-rise');
    // not confirmed as a national number: per-site setting
    expect(rise).toEqual({ id: 'reservoir-level-rise', kind: 'rate', quantity: 'water_level_m', direction: 'rise', windowS: 3600, levels: { orange: 0.3 }, stopWork: false });
    expect(ruleSchema.parse(rise)).toMatchObject({ kind: 'rate', minSamples: 3, deadband: 0 });
    expect(reservoirRules({ ...levels, id: 'gauge-2' }).map((r) => r.id)).toEqual(['gauge-2', 'gauge-2-rise']);
  });

  it('starts blue at the approach margin when that comes before the flood-limit level', () => {
    const levels = { floodLimitM: 100, warningM: 100.3, guaranteedM: 102, historicalMaxM: 103 };
    expect(reservoirRules(levels)[0]?.levels.blue).toBe(99.8); // 100.3 − 0.5 default
    expect(reservoirRules({ ...levels, approachM: 0.1 })[0]?.levels.blue).toBe(100);
    expect(reservoirRules({ ...levels, id: 'gauge-2' })[0]?.id).toBe('gauge-2');
  });

  const problemsOf = (levels: ReservoirLevels): string[] => {
    try {
      reservoirRules(levels);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
    }
    return [];
  };

  it.each([
    ['warning below flood-limit', { floodLimitM: 28, warningM: 27.3, guaranteedM: 29.73, historicalMaxM: 29.73 }, 'reservoirLevels.warningM: warningM (27.3) must be above floodLimitM (28)'],
    ['guaranteed not above warning', { floodLimitM: 25, warningM: 27.3, guaranteedM: 27.3, historicalMaxM: 29.73 }, 'reservoirLevels.guaranteedM: guaranteedM (27.3) must be above warningM (27.3)'],
    ['record below guaranteed', { floodLimitM: 25, warningM: 27.3, guaranteedM: 29.73, historicalMaxM: 29.43 }, 'reservoirLevels.historicalMaxM: historicalMaxM (29.43) must be at or above guaranteedM (29.73)'],
    ['a level that is not a number', { floodLimitM: Number.NaN, warningM: 27.3, guaranteedM: 29.73, historicalMaxM: 29.73 }, 'reservoirLevels.floodLimitM: floodLimitM must be a number'],
    ['a negative approach margin', { floodLimitM: 25, warningM: 27.3, guaranteedM: 29.73, historicalMaxM: 29.73, approachM: -1 }, 'reservoirLevels.approachM: approachM must be a positive number'],
  ] as const)('refuses %s and says which field and why', (_, levels, expected) => {
    const problems = problemsOf(levels);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('makes a valid, ordered rule from any increasing levels', () => {
    const metres = fc.double({ min: -50, max: 5000, noNaN: true });
    const step = fc.double({ min: 0.01, max: 50, noNaN: true });
    fc.assert(
      fc.property(metres, step, step, fc.option(step, { nil: undefined }), (floodLimitM, a, b, c) => {
        const warningM = floodLimitM + a;
        const guaranteedM = warningM + b;
        fc.pre(warningM > floodLimitM && guaranteedM > warningM);
        for (const r of reservoirRules({ floodLimitM, warningM, guaranteedM, historicalMaxM: guaranteedM + (c ?? 0) })) expect(ruleSchema.safeParse(r).success).toBe(true);
      }),
    );
  });
});
