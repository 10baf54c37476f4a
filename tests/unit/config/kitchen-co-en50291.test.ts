// The restaurant-kitchen preset (also the config's default rules) against the EN 50291-1 CO
// time-to-alarm curve, replayed through the pure detection engine by reading timestamps: steady
// 30 ppm no alarm within 120 min; 50 ppm first alarm in 60–90 min; 100 ppm in 10–40 min; 300 ppm
// within 3 min. Stop-work on CO only at red.

import { describe, expect, it } from 'vitest';
import { configSchema, ruleSchema, type Rule } from '../../../gateway/src/config/schema.js';
import { PRESETS } from '../../../gateway/src/config/presets/index.js';
import { effectiveRules } from '../../../gateway/src/config/effective-rules.js';
import { loadConfig } from '../../../gateway/src/config/load.js';
import { demoConfig } from '../../../gateway/src/config/demo.js';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { DetectionEngine, type LevelTransition } from '../../../gateway/src/detect/engine.js';

const SITE = 'kitchen-01' as SiteId;
const MIN = 60_000;
const STEP_MS = 10_000; // a detector reporting every 10 s

/** Steady `ppm` from t = 0 for `minutes`; every transition with its minute. */
function replay(rules: readonly Rule[], ppm: number, minutes: number): LevelTransition[] {
  const engine = new DetectionEngine(rules);
  const out: LevelTransition[] = [];
  for (let t = 0; t <= minutes * MIN; t += STEP_MS) {
    for (const x of engine.process({ site: SITE, device: 'gas-01' as DeviceId, channel: 'co' as ChannelId, quantity: 'co_ppm', value: ppm, tsMs: t })) out.push(x);
  }
  return out;
}

const firstAlarmMin = (ts: readonly LevelTransition[]): number | undefined => {
  const first = ts.find((t) => t.to !== null);
  return first === undefined ? undefined : first.atMs / MIN;
};

const sources: [string, () => readonly Rule[]][] = [
  ['the restaurant_kitchen preset', () => PRESETS.restaurant_kitchen.rules.map((r) => ruleSchema.parse({ ...r }))],
  ['the default rules of a config without `rules`', () => configSchema.parse(demoConfig()).rules],
  ['a kitchen site of the example shaobing.yaml', () => {
    const { config } = loadConfig({ file: 'shaobing.yaml', env: {}, demo: demoConfig });
    const site = config.sites.find((s) => s.preset === 'restaurant_kitchen' || s.preset === undefined)!;
    return effectiveRules(config).filter((r) => (r.sites === undefined || r.sites.includes(site.id)) && r.quantity === 'co_ppm');
  }],
];

describe.each(sources)('CO on %s follows EN 50291-1', (_name, rulesOf) => {
  const rules = rulesOf();

  it('has CO rules at all', () => {
    expect(rules.filter((r) => r.quantity === 'co_ppm').length).toBeGreaterThan(0);
  });

  it('raises nothing within 120 min at a steady 30 ppm', () => {
    expect(replay(rules, 30, 120)).toEqual([]);
  });

  it('raises its first alarm between 60 and 90 min at a steady 50 ppm', () => {
    const at = firstAlarmMin(replay(rules, 50, 120));
    expect(at).toBeGreaterThanOrEqual(60);
    expect(at).toBeLessThanOrEqual(90);
  });

  it('raises its first alarm between 10 and 40 min at a steady 100 ppm', () => {
    const at = firstAlarmMin(replay(rules, 100, 60));
    expect(at).toBeGreaterThanOrEqual(10);
    expect(at).toBeLessThanOrEqual(40);
  });

  it('raises its first alarm within 3 min at a steady 300 ppm', () => {
    expect(firstAlarmMin(replay(rules, 300, 10))).toBeLessThanOrEqual(3);
  });

  it('orders stop-work on CO only on a move to red', () => {
    for (const ppm of [50, 100, 300, 1000]) {
      for (const t of replay(rules, ppm, 180)) {
        if (t.to !== 'red') expect(t.stopWork, `${ppm} ppm ${t.ruleId} → ${t.to} at ${t.atMs / MIN} min`).toBe(false);
      }
    }
    // …and a dangerous exposure does reach red, so the gas is cut (1 000 ppm: within a minute or two).
    const red = replay(rules, 1000, 10).find((t) => t.to === 'red');
    expect(red?.stopWork).toBe(true);
    expect(red!.atMs).toBeLessThanOrEqual(3 * MIN);
  });
});
