// The rule union of config/schema.ts: defaults of each kind, and messages that name the field and the fix.

import { describe, it, expect } from 'vitest';
import { configSchema, ruleSchema } from '../../../gateway/src/config/schema.js';
import { demoConfig } from '../../../gateway/src/config/demo.js';
import { KITCHEN_CO_DOSE_RULE, KITCHEN_RISE_RULES, KITCHEN_RULES } from '../../../gateway/src/config/presets/kitchen.js';

/** Each issue as "path: message". */
function problems(input: unknown): string[] {
  const result = ruleSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

const rate = { id: 'r', kind: 'rate', quantity: 'water_level_m', direction: 'rise', windowS: 3600, levels: { orange: 0.3 } };
const dose = { id: 'd', kind: 'dose', quantity: 'co_ppm', levels: { yellow: 1, red: 2 } };

describe('rule kinds', () => {
  it('reads a rule without `kind` as a threshold rule, with immediate clearing by default', () => {
    expect(ruleSchema.parse({ id: 't', quantity: 'o2_pct', direction: 'below', levels: { red: 19.5 } })).toMatchObject({
      kind: 'threshold',
      deadband: 0,
      onDelayS: 0,
      onDelaySamples: 1,
      offDelayS: 0,
      offDelaySamples: 1,
    });
  });

  it('starts a level or temperature threshold rule at the ISA-18.2 deadband and delays', () => {
    // ISA-18.2 table of recommended starting points: level 5 % of span and 60 s, temperature 1 % and 60 s.
    const gauge = ruleSchema.parse({ id: 'g', quantity: 'water_level_m', direction: 'above', levels: { yellow: 27.3, orange: 28.28, red: 29.73 } });
    expect(gauge).toMatchObject({ deadband: 0.122, onDelayS: 60, offDelayS: 60 }); // 5 % of 29.73 − 27.3, to the mm
    const heat = ruleSchema.parse({ id: 'h', kind: 'threshold', quantity: 'temperature_c', direction: 'above', levels: { red: 40 } });
    expect(heat).toMatchObject({ deadband: 1, onDelayS: 60, offDelayS: 60 }); // 1 % of a −40…+60 °C sensor
  });

  it('keeps every deadband and delay a rule or preset gives, 0 included', () => {
    const own = { id: 'g', quantity: 'water_level_m', direction: 'above', levels: { red: 30 }, deadband: 0, onDelayS: 5 } as const;
    expect(ruleSchema.parse(own)).toMatchObject({ deadband: 0, onDelayS: 5, offDelayS: 60 });
    const gas = ruleSchema.parse({ id: 'm', quantity: 'methane_lel', direction: 'above', levels: { red: 50 } });
    expect(gas).toMatchObject({ deadband: 0, onDelayS: 0, offDelayS: 0 }); // an analyser signal: outside the ISA-18.2 table
    expect(ruleSchema.parse(rate)).toMatchObject({ deadband: 0 }); // rate rules keep their own defaults
  });

  it('fills a rate rule’s defaults', () => {
    expect(ruleSchema.parse(rate)).toEqual({ ...rate, deadband: 0, minSamples: 3, stopWork: false, stopWorkVotes: 1 });
  });

  it('fills a dose rule’s defaults with the kitchen preset’s EN 50291-1 fit', () => {
    const preset = KITCHEN_CO_DOSE_RULE;
    expect(ruleSchema.parse(dose)).toMatchObject({ c0Ppm: 20, exponent: 1.5, refPpm: 50, refMin: 72, deadband: 0.1, maxGapS: 300 });
    expect(ruleSchema.parse(dose)).toMatchObject(Object.fromEntries(['c0Ppm', 'exponent', 'refPpm', 'refMin', 'deadband', 'maxGapS'].map((k) => [k, (preset as Record<string, unknown>)[k]])));
  });

  it('takes every kind in a config file', () => {
    const config = configSchema.parse({ ...demoConfig(), rules: [...KITCHEN_RULES, ...KITCHEN_RISE_RULES] });
    expect(config.rules.map((r) => r.kind)).toEqual(['threshold', 'threshold', 'dose', 'threshold', 'rate']);
  });
});

describe('messages that say what to fix', () => {
  it.each([
    ['kind: kind must be threshold, rate or dose (leave it out for threshold)', { ...rate, kind: 'slope' }],
    ['minSamples: minSamples must be at least 3: the median of three readings keeps one spike from raising', { ...rate, minSamples: 2 }],
    ['levels.yellow: yellow must be a change above 0', { ...rate, levels: { yellow: 0 } }],
    ['levels.orange: orange (0.3) must be above yellow (0.5) since a larger change is the higher level', { ...rate, levels: { yellow: 0.5, orange: 0.3 } }],
    ['deadband: deadband (0.3) must be below the lowest level (0.3), or the alarm could never clear', { ...rate, deadband: 0.3 }],
    ['direction: Invalid option: expected one of "rise"|"fall"', { ...rate, direction: 'up' }],
    ['quantity: a dose rule is fitted to carbon monoxide: use quantity: co_ppm', { ...dose, quantity: 'methane_lel' }],
    ['refPpm: refPpm (50) must be above c0Ppm (60)', { ...dose, c0Ppm: 60 }],
    ['levels.red: red (1) must be above yellow (2) since a larger dose is the higher level', { ...dose, levels: { yellow: 2, red: 1 } }],
    [': Unrecognized key: "windowS"', { ...dose, windowS: 60 }],
  ] as const)('%s', (message, input) => {
    expect(problems(input)).toEqual([message]);
  });

  it('keeps the threshold wording for set points out of order', () => {
    expect(problems({ id: 't', quantity: 'o2_pct', direction: 'below', levels: { yellow: 18, red: 19.5 } })).toEqual([
      'levels.red: red (19.5) must be below yellow (18) for a rule that alarms below',
    ]);
  });
});
