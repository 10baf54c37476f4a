// Which rules run where: global rules for plain sites, each preset site its preset's rules, shared
// when unchanged and under `id@site` when a site's overrides change them.

import { describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../../../gateway/src/config/schema.js';
import { effectiveRules } from '../../../gateway/src/config/effective-rules.js';
import { ConfigError } from '../../../gateway/src/errors.js';

const HASH = 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';

function site(id: string, extra: Record<string, unknown> = {}) {
  return { id, name: id, devices: [{ id: 'g1', kind: 'detector' as const, passwordHash: HASH, channels: { ch4: { quantity: 'methane_lel' as const } } }], ...extra };
}

function config(sites: ReturnType<typeof site>[]) {
  return configSchema.parse({ sites } as ConfigInput);
}

const sitesOf = (rules: ReturnType<typeof effectiveRules>, id: string) => rules.find((r) => r.id === id)?.sites;

describe('effective rules', () => {
  it('leaves the global rules alone when no site picks a preset', () => {
    const c = config([site('k1'), site('k2')]);
    expect(effectiveRules(c)).toEqual(c.rules);
  });

  it('keeps global rules off preset sites and gives those sites their preset', () => {
    const rules = effectiveRules(config([site('k1'), site('w1', { preset: 'valve_well' })]));
    expect(sitesOf(rules, 'kitchen-methane')).toEqual(['k1']);
    expect(sitesOf(rules, 'valve-well-methane')).toEqual(['w1']);
    // GB/T 50493-2019 second level; a valve well does not stop work (it would cut off many users).
    expect(rules.find((r) => r.id === 'valve-well-methane')).toMatchObject({ levels: { red: 50 }, stopWork: false });
  });

  it('shares an unchanged preset between sites and splits off a site that overrides it', () => {
    const rules = effectiveRules(
      config([
        site('w1', { preset: 'valve_well' }),
        site('w2', { preset: 'valve_well' }),
        site('w3', { preset: 'valve_well', ruleOverrides: [{ id: 'valve-well-methane', levels: { red: 40 } }] }),
      ]),
    );
    expect(sitesOf(rules, 'valve-well-methane')).toEqual(['w1', 'w2']);
    expect(rules.find((r) => r.id === 'valve-well-methane@w3')).toMatchObject({ sites: ['w3'], levels: { red: 40, orange: 25 } });
    expect(rules.filter((r) => r.id.startsWith('kitchen-'))).toEqual([]);
  });

  it('names the site and the override when an override is wrong', () => {
    const c = config([site('k1'), site('w1', { preset: 'valve_well', ruleOverrides: [{ id: 'valve-well-metane', levels: { red: 40 } }] })]);
    try {
      effectiveRules(c);
      expect.unreachable('an unknown rule id must be refused');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problem = (err as ConfigError).problems[0]!;
      expect(problem.path).toBe('sites[1].ruleOverrides[0].id'); // the field's name in the config file
      expect(problem.message).toMatch(/valve-well-methane/);
    }
  });

  it('builds a reservoir rule from the site levels and refuses the preset without them', () => {
    const rules = effectiveRules(config([site('r1', { preset: 'reservoir', reservoirLevels: { floodLimitM: 25, warningM: 27.3, guaranteedM: 28.28, historicalMaxM: 29.73 } })]));
    expect(rules.find((r) => r.id === 'reservoir-level')).toMatchObject({ quantity: 'water_level_m', sites: ['r1'], levels: { yellow: 27.3, red: 29.73 } });
    expect(() => config([site('r1', { preset: 'reservoir' })])).toThrow(/reservoirLevels/);
  });
});
