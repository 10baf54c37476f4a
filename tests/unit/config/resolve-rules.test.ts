// A site's rules from a preset plus overrides and extras, and the rules file round trip, with
// errors that name the place and the fix.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../gateway/src/errors.js';
import { ruleSchema } from '../../../gateway/src/config/schema.js';
import { KITCHEN_CO_DOSE_RULE, KITCHEN_RISE_RULES } from '../../../gateway/src/config/presets/kitchen.js';
import { FIXED_PRESET_NAMES, PRESETS, type RuleInput } from '../../../gateway/src/config/presets/index.js';
import { exportRules, importRules, resolveSiteRules, type SiteRulesInput } from '../../../gateway/src/config/resolve-rules.js';

const WUHAN = { floodLimitM: 25, warningM: 27.3, guaranteedM: 29.73, historicalMaxM: 29.73 };

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('resolveSiteRules', () => {
  it('gives a copy of the preset when nothing is overridden', () => {
    const rules = resolveSiteRules({ presetName: 'utility_tunnel' });
    expect(rules).toEqual(PRESETS.utility_tunnel.rules);
    rules[0]!.levels.red = 99;
    expect(PRESETS.utility_tunnel.rules[0]?.levels.red).toBe(35); // the preset is untouched
  });

  it('gives no rules without a preset, and the extras alone', () => {
    expect(resolveSiteRules({})).toEqual([]);
    const extra: RuleInput = { id: 'own-co', quantity: 'co_ppm', direction: 'above', levels: { red: 100 } };
    expect(resolveSiteRules({ extra: [extra] })).toEqual([extra]);
  });

  it('merges levels per set point and replaces scalars', () => {
    const rules = resolveSiteRules({
      presetName: 'valve_well',
      overrides: [{ id: 'valve-well-methane', levels: { red: 40 }, onDelayS: 5, stopWork: true }],
    });
    expect(rules[0]).toMatchObject({ levels: { blue: 10, yellow: 20, orange: 25, red: 40 }, onDelayS: 5, stopWork: true, deadband: 2 });
  });

  it('changes a rate rule: its window replaced, its levels merged', () => {
    const rules = resolveSiteRules({ presetName: 'utility_tunnel', overrides: [{ id: 'tunnel-methane-rise', windowS: 30, minSamples: 5, levels: { yellow: 2 } }] });
    expect(rules.find((r) => r.id === 'tunnel-methane-rise')).toEqual({
      id: 'tunnel-methane-rise',
      kind: 'rate',
      quantity: 'methane_lel',
      direction: 'rise',
      windowS: 30,
      levels: { yellow: 2, red: 5 },
      minSamples: 5,
      stopWork: true,
    });
    expect(PRESETS.utility_tunnel.rules[1]).toMatchObject({ windowS: 60, levels: { red: 5 } }); // the preset is untouched
    expect(ruleSchema.parse(rules[1])).toMatchObject({ windowS: 30, levels: { yellow: 2, red: 5 } });
  });

  it('allows the keys of the rule\'s own kind only, and refuses a change of kind', () => {
    const threshold = problems(() => resolveSiteRules({ presetName: 'valve_well', overrides: [{ id: 'valve-well-methane', windowS: 30 } as never] }));
    expect(threshold).toHaveLength(1);
    expect(threshold[0]).toMatch(/^overrides\[0\]\.windowS: key "windowS" is not a rule setting \(allowed keys for a threshold rule: kind, quantity, direction, levels, deadband, onDelayS/);
    const rate = problems(() => resolveSiteRules({ presetName: 'valve_well', overrides: [{ id: 'valve-well-methane-rise', onDelayS: 5, kind: 'threshold' } as never] }));
    expect(rate).toEqual([
      expect.stringMatching(/^overrides\[0\]\.onDelayS: key "onDelayS" is not a rule setting \(allowed keys for a rate rule: kind, quantity, direction, windowS, levels, deadband, minSamples, stopWork/),
      expect.stringMatching(/^overrides\[0\]\.kind: an override cannot change the kind of rule valve-well-methane-rise \(rate\)/),
    ]);
  });

  it('refuses a rate override the rate schema refuses, naming the rule', () => {
    const found = problems(() => resolveSiteRules({ presetName: 'valve_well', overrides: [{ id: 'valve-well-methane-rise', windowS: 0, minSamples: 2 }] }));
    expect(found.map((p) => p.split(':')[0])).toEqual(['valve-well-methane-rise.windowS', 'valve-well-methane-rise.minSamples']);
    expect(found[1]).toContain('minSamples must be at least 3');
    expect(found[1]).toContain('(rule from preset valve_well, changed by overrides[0])');
  });

  it('removes a level given as null (a valve well with biogas background drops blue)', () => {
    const [r] = resolveSiteRules({ presetName: 'valve_well', overrides: [{ id: 'valve-well-methane', levels: { blue: null } }] });
    expect(r?.levels).toEqual({ yellow: 20, orange: 25, red: 50 });
  });

  it('applies overrides in order, the later winning', () => {
    const [r] = resolveSiteRules({
      presetName: 'outdoor_heat',
      overrides: [
        { id: 'heat-air-temp', levels: { red: 39 } },
        { id: 'heat-air-temp', levels: { red: 41 }, stopWork: true },
      ],
    });
    expect(r).toMatchObject({ levels: { yellow: 35, orange: 37, red: 41 }, stopWork: true });
  });

  it('refuses an override of an unknown rule id, listing the ids and the likely one', () => {
    const found = problems(() => resolveSiteRules({ presetName: 'confined_space', overrides: [{ id: 'confined-h2', levels: { red: 5 } }] }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^overrides\[0\]\.id: no rule "confined-h2" to override \(did you mean "confined-h2s"\?/);
    expect(found[0]).toContain('confined-o2-low, confined-o2-high, confined-h2s, confined-co, confined-methane, confined-lpg');
  });

  it('refuses an override that puts set points out of order, naming the rule and the override', () => {
    const found = problems(() => resolveSiteRules({ presetName: 'confined_space', overrides: [{ id: 'confined-o2-low', levels: { red: 20.5 } }] }));
    expect(found).toEqual([
      'confined-o2-low.levels.red: red (20.5) must be below yellow (20) for a rule that alarms below (rule from preset confined_space, changed by overrides[0])',
    ]);
  });

  it('refuses unknown override keys and levels with a suggestion', () => {
    const bad = [{ id: 'heat-air-temp', deadBand: 2, levels: { redd: 41 } }] as unknown as SiteRulesInput['overrides'];
    const found = problems(() => resolveSiteRules({ presetName: 'outdoor_heat', overrides: bad }));
    expect(found[0]).toMatch(/^overrides\[0\]\.deadBand: key "deadBand" is not a rule setting \(did you mean "deadband"\?/);
    expect(found[1]).toMatch(/^overrides\[0\]\.levels\.redd: "redd" is not a level \(did you mean "red"\?/);
  });

  it('appends extra rules and refuses one that reuses a preset id', () => {
    const extra: RuleInput = { id: 'site-h2s', quantity: 'h2s_ppm', direction: 'above', levels: { red: 7 } };
    expect(resolveSiteRules({ presetName: 'valve_well', extra: [extra] }).map((r) => r.id)).toEqual(['valve-well-methane', 'valve-well-methane-rise', 'site-h2s']);
    const found = problems(() => resolveSiteRules({ presetName: 'valve_well', extra: [{ ...extra, id: 'valve-well-methane' }] }));
    expect(found[0]).toMatch(/^extra\[0\]\.id: rule id valve-well-methane is already taken \(preset valve_well\)/);
  });

  it('builds the reservoir preset from the gauge levels and lets a site override it', () => {
    const [r] = resolveSiteRules({ presetName: 'reservoir', reservoirLevels: WUHAN, overrides: [{ id: 'reservoir-level', levels: { orange: 28.5 } }] });
    expect(r?.levels).toEqual({ blue: 25, yellow: 27.3, orange: 28.5, red: 29.73 });
  });

  it('asks for the gauge levels with the reservoir preset, and only with it', () => {
    expect(problems(() => resolveSiteRules({ presetName: 'reservoir' }))[0]).toMatch(/^reservoirLevels: the reservoir preset needs the gauge levels/);
    expect(problems(() => resolveSiteRules({ presetName: 'outdoor_heat', reservoirLevels: WUHAN }))[0]).toMatch(/^reservoirLevels: reservoirLevels apply only to the reservoir preset/);
    expect(problems(() => resolveSiteRules({ presetName: 'reservoir', reservoirLevels: { ...WUHAN, warningM: 24 } }))[0]).toMatch(/^reservoirLevels\.warningM: /);
  });

  it('refuses an unknown preset name with a suggestion', () => {
    const found = problems(() => resolveSiteRules({ presetName: 'valve-well' as never }));
    expect(found[0]).toMatch(/^presetName: no preset "valve-well" \(did you mean "valve_well"\?/);
  });
});

describe('exportRules and importRules (rules as code)', () => {
  const everyPreset = [...FIXED_PRESET_NAMES.map((n) => [n, PRESETS[n].rules] as const), ['reservoir', resolveSiteRules({ presetName: 'reservoir', reservoirLevels: WUHAN })] as const];

  it.each(everyPreset)('round-trips the %s preset to the same validated rules', (_, rules) => {
    const text = exportRules(rules);
    const back = importRules(text);
    expect(back).toEqual(rules.map((r) => ruleSchema.parse(r)));
    expect(exportRules(back)).toBe(text); // a file exported twice is the same file
  });

  it('round-trips threshold, rate and dose rules together, every default written out', () => {
    const rules: RuleInput[] = [{ id: 'own-co', quantity: 'co_ppm', direction: 'above', levels: { red: 300 } }, ...KITCHEN_RISE_RULES, KITCHEN_CO_DOSE_RULE, ...PRESETS.valve_well.rules];
    const text = exportRules(rules);
    expect(text).toMatch(/- id: kitchen-methane-rise\n\s+kind: rate\n[\s\S]*windowS: 60\n\s+levels: \{ yellow: 2\.5, red: 5 \}\n[\s\S]*minSamples: 3\n/);
    expect(text).toMatch(/- id: kitchen-co-dose\n\s+kind: dose\n[\s\S]*c0Ppm: 20\n[\s\S]*refMin: 72\n[\s\S]*maxGapS: 300\n/);
    expect(text).toMatch(/- id: valve-well-methane-rise\n\s+kind: rate\n[\s\S]*deadband: 0\n\s+minSamples: 3\n\s+stopWork: false\n/);
    const back = importRules(text);
    expect(back.map((r) => r.kind)).toEqual(['threshold', 'rate', 'dose', 'threshold', 'rate']);
    expect(back).toEqual(rules.map((r) => ruleSchema.parse(r)));
    expect(exportRules(back)).toBe(text);
  });

  it('refuses an unknown kind, naming the path and the kinds', () => {
    const found = problems(() => importRules('rules:\n  - { id: a, quantity: co_ppm, direction: above, levels: { red: 50 } }\n  - id: b\n    kind: slope\n    quantity: methane_lel\n    levels: { red: 5 }\n'));
    expect(found).toEqual([expect.stringMatching(/^rules\[1\]\.kind: kind must be threshold, rate or dose \(leave it out for threshold\) \(line 4\)$/)]);
  });

  it('writes every default out and one line of levels per rule', () => {
    const text = exportRules([{ id: 'own-co', quantity: 'co_ppm', direction: 'above', levels: { orange: 100, red: 300 }, sites: ['bbq-7'] }]);
    expect(text).toContain('# Shaobing alarm rules (rules as code)');
    expect(text).toContain('    levels: { orange: 100, red: 300 }\n');
    expect(text).toContain('    sites: [ bbq-7 ]\n');
    expect(text).toMatch(/kind: threshold\n[\s\S]*deadband: 0\n[\s\S]*onDelaySamples: 1\n[\s\S]*stopWork: false\n/);
  });

  it('reads a bare list as well as a rules: mapping', () => {
    expect(importRules('- { id: a, quantity: o2_pct, direction: below, levels: { red: 19.5 } }')[0]).toMatchObject({ id: 'a', kind: 'threshold', deadband: 0 });
  });

  it('refuses to export a rule the schema refuses', () => {
    expect(problems(() => exportRules([{ id: 'x', quantity: 'co_ppm', direction: 'above', levels: { yellow: 50, orange: 40 } }]))[0]).toMatch(/^rules\[0\]\.levels\.orange: orange \(40\) must be above yellow \(50\)/);
  });

  it.each([
    ['a YAML syntax error with its line', 'rules:\n  - id: a\n   quantity: [\n', /^line \d+, column \d+: YAML syntax error/],
    ['a misspelt quantity with the likely one and its line', 'rules:\n  - id: a\n    quantity: methane_LEL\n    direction: above\n    levels: { red: 50 }\n', /^rules\[0\]\.quantity: "methane_LEL" is not allowed \(did you mean "methane_lel"\?.*\(line 3\)$/],
    ['a misspelt key with the likely one', 'rules:\n  - id: a\n    quantity: co_ppm\n    direction: above\n    level: { red: 50 }\n', /^rules\[0\]: key "level" \(did you mean "levels"\?\) not allowed here/],
    ['a missing key', 'rules:\n  - id: a\n    quantity: co_ppm\n    direction: above\n', /^rules\[0\]\.levels: required: add levels/],
    ['set points out of order with their line', 'rules:\n  - id: a\n    quantity: o2_pct\n    direction: below\n    levels:\n      yellow: 19.5\n      red: 20\n', /^rules\[0\]\.levels\.red: red \(20\) must be below yellow \(19\.5\).*\(line 7\)$/],
    ['an id used twice', 'rules:\n  - { id: a, quantity: co_ppm, direction: above, levels: { red: 50 } }\n  - { id: a, quantity: co_ppm, direction: above, levels: { red: 60 } }\n', /^rules\[1\]\.id: rule id a appears twice \(line 3\)$/],
    ['an unknown top-level key', 'rule: []\n', /^rule: key "rule" is not allowed here/],
    ['rules that are not a list', 'rules: 5\n', /^rules: expected a list of rules/],
  ])('refuses %s', (_, text, expected) => {
    expect(problems(() => importRules(text)).some((p) => expected.test(p)), problems(() => importRules(text)).join('\n')).toBe(true);
  });
});
