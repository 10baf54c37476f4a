// Detection follows fleet changes without a restart (parts/detection-follower.ts): profiles,
// silence watches, sensor states, preset rules and voting spaces, driven by SiteChange values.

import { describe, expect, it } from 'vitest';
import { configSchema, siteSchema, type Config, type SiteConfig } from '../../../gateway/src/config/schema.js';
import { demoConfig, DEMO_SITE } from '../../../gateway/src/config/demo.js';
import { effectiveRules } from '../../../gateway/src/config/effective-rules.js';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { DetectionEngine, type SensorReading } from '../../../gateway/src/detect/engine.js';
import { SensorHealth, watchedChannelsOf } from '../../../gateway/src/detect/health.js';
import { ChannelProfiles } from '../../../gateway/src/detect/channel-profiles.js';
import { VotingPlan } from '../../../gateway/src/detect/voting.js';
import { DetectionFollower } from '../../../gateway/src/parts/detection-follower.js';
import type { Detection } from '../../../gateway/src/parts/alarms.js';
import { silentLogger } from '../../../gateway/src/log.js';

const HASH = 'scrypt$16384$8$1$DOcde8e+6nkfebyiVzEQdg==$G57hHYSijaqHyCr5B+WMq5+Hf2fdvQiRDlwBLrmV0kw=';
const T0 = 1_800_000_000_000;

function detector(id: string, extra: Record<string, unknown> = {}) {
  return { id, kind: 'detector', passwordHash: HASH, channels: { ch4: { quantity: 'methane_lel' } }, staleAfterS: 60, ...extra };
}

function start(config: Config, nowMs: number): { detection: Detection; follower: DetectionFollower; clock: { now: number } } {
  const rules = effectiveRules(config);
  const detection: Detection = {
    rules,
    engine: new DetectionEngine(rules),
    health: new SensorHealth(config.sites.flatMap((s) => s.devices.flatMap((d) => watchedChannelsOf(s.id, d))), {}, nowMs),
    profiles: new ChannelProfiles(config.sites),
    voting: VotingPlan.fromConfig(config, rules),
  };
  const clock = { now: nowMs };
  return { detection, follower: new DetectionFollower(config, detection, () => clock.now, silentLogger()), clock };
}

const reading = (site: string, device: string, value: number, tsMs: number): SensorReading => ({
  site: site as SiteId, device: device as DeviceId, channel: 'ch4' as ChannelId, quantity: 'methane_lel', value, tsMs,
});

function kitchen(devices: unknown[]): SiteConfig {
  const demo = demoConfig().sites![0]!;
  return siteSchema.parse({ ...demo, devices: [...(demo.devices as unknown[]), ...devices] });
}

describe('detection follows the fleet', () => {
  it('watches a detector added at run time: its readings raise, its silence raises stale after staleAfterS from the change', () => {
    const config = configSchema.parse(demoConfig());
    const { detection, follower, clock } = start(config, T0);
    detection.health.tick(T0);
    const before = config.sites[0]!;
    const after = kitchen([detector('gas-02')]);

    // An hour after start: the time before the detector existed is not its silence.
    clock.now = T0 + 3_600_000;
    detection.health.tick(clock.now);
    expect(detection.profiles.get(`${DEMO_SITE}/gas-02`)).toBeUndefined();
    follower.applySites([{ before, after }]);
    expect(detection.profiles.get(`${DEMO_SITE}/gas-02`)?.get('ch4')).toBe('methane_lel');

    // Ticks as the runtime makes them (a step longer than half a period is a clock fault).
    const early = [10_000, 20_000, 30_000, 40_000, 50_000, 59_000].flatMap((ms) => detection.health.tick(clock.now + ms));
    expect(early.filter((t) => t.device === 'gas-02')).toEqual([]);
    const stale = detection.health.tick(clock.now + 60_000).filter((t) => t.device === 'gas-02');
    expect(stale.map((t) => [t.ruleId, t.to])).toEqual([['stale', 'yellow']]);

    const raised = [...detection.engine.process(reading(DEMO_SITE, 'gas-02', 70, clock.now)), ...detection.engine.process(reading(DEMO_SITE, 'gas-02', 70, clock.now + 3000))];
    expect(raised.map((t) => [t.ruleId, t.to, t.stopWork])).toContainEqual(['kitchen-methane', 'red', true]);
  });

  it('forgets a removed detector: unknown again, no stale, no sensor state', () => {
    const config = configSchema.parse({ ...demoConfig(), sites: [kitchen([detector('gas-02')])] });
    const { detection, follower, clock } = start(config, T0);
    detection.health.tick(T0);
    detection.engine.process(reading(DEMO_SITE, 'gas-02', 30, T0));
    detection.engine.process(reading(DEMO_SITE, 'gas-02', 30, T0 + 3000));
    expect(detection.engine.levelOf(DEMO_SITE as SiteId, 'gas-02' as DeviceId, 'ch4' as ChannelId, 'kitchen-methane')).toBe('orange');
    const sensors = detection.engine.sensorCount;
    const watches = detection.health.stale.size;

    clock.now = T0 + 10_000;
    follower.applySites([{ before: config.sites[0]!, after: kitchen([]) }]);
    expect(detection.profiles.get(`${DEMO_SITE}/gas-02`)).toBeUndefined();
    expect(detection.engine.sensorCount).toBe(sensors - 1);
    expect(detection.engine.levelOf(DEMO_SITE as SiteId, 'gas-02' as DeviceId, 'ch4' as ChannelId, 'kitchen-methane')).toBeNull();
    expect(detection.health.stale.size).toBe(watches - 1);
    // gas-01 still goes stale at its own period; gas-02 never does.
    const later = [60_000, 120_000, 180_000].flatMap((ms) => detection.health.tick(clock.now + ms));
    expect(later.map((t) => t.device)).not.toContain('gas-02');
    expect(later.map((t) => t.device)).toContain('gas-01');
  });

  it('gives a preset site added at run time its preset rules, and keeps the plain sites on the global rules', () => {
    const config = configSchema.parse(demoConfig());
    const { detection, follower } = start(config, T0);
    const well = siteSchema.parse({ id: 'well-07', name: '阀门井 7', preset: 'valve_well', devices: [detector('w-gas')] });
    follower.applySites([{ before: undefined, after: well }]);
    expect(follower.rules().find((r) => r.id === 'valve-well-methane')?.sites).toEqual(['well-07']);
    const atWell = [...detection.engine.process(reading('well-07', 'w-gas', 70, T0)), ...detection.engine.process(reading('well-07', 'w-gas', 70, T0 + 3000))];
    // The valve well's own rule (no stop-work: a distribution valve is not a local shut-off).
    expect(atWell.map((t) => [t.ruleId, t.to, t.stopWork])).toEqual([['valve-well-methane', 'red', false]]);
    const atKitchen = [...detection.engine.process(reading(DEMO_SITE, 'gas-01', 70, T0)), ...detection.engine.process(reading(DEMO_SITE, 'gas-01', 70, T0 + 3000))];
    expect(atKitchen.map((t) => [t.ruleId, t.to])).toContainEqual(['kitchen-methane', 'red']);

    // The site removed: its rule goes with it.
    follower.applySites([{ before: well, after: undefined }]);
    expect(follower.rules().some((r) => r.id === 'valve-well-methane')).toBe(false);
  });

  it('keeps a sensor at its level when only the sites a rule applies to change', () => {
    const config = configSchema.parse({ ...demoConfig(), sites: [...demoConfig().sites!, { id: 'well-01', name: 'w', preset: 'valve_well', devices: [] }] });
    const { detection, follower } = start(config, T0);
    detection.engine.process(reading(DEMO_SITE, 'gas-01', 30, T0));
    detection.engine.process(reading(DEMO_SITE, 'gas-01', 30, T0 + 3000));
    const level = () => detection.engine.levelOf(DEMO_SITE as SiteId, 'gas-01' as DeviceId, 'ch4' as ChannelId, 'kitchen-methane');
    expect(level()).toBe('orange');
    // A plain site added changes the global rules' site list (preset sites exist): gas-01 keeps orange.
    const other = siteSchema.parse({ id: 'kitchen-02', name: 'k2', devices: [] });
    follower.applySites([{ before: undefined, after: other }]);
    expect(follower.rules().find((r) => r.id === 'kitchen-methane')?.sites).toEqual([DEMO_SITE, 'kitchen-02']);
    expect(level()).toBe('orange');
    expect(detection.engine.process(reading(DEMO_SITE, 'gas-01', 30, T0 + 4000))).toEqual([]);
  });

  it('takes a clock step longer than half a new detector\'s period for a clock fault, not its silence', () => {
    const config = configSchema.parse(demoConfig());
    const { detection, follower, clock } = start(config, T0);
    detection.health.stale.lowerMaxJump(50_000); // as at start: half gas-01's 100 s
    detection.health.tick(T0);
    follower.applySites([{ before: config.sites[0]!, after: kitchen([detector('gas-02', { staleAfterS: 10 })]) }]);
    expect(detection.health.stale.maxJump).toBe(5000);
    // A 30 s step of the gateway clock: without the lowered bound gas-02 would be raised stale at once.
    clock.now = T0 + 30_000;
    expect(detection.health.tick(clock.now).filter((t) => t.device === 'gas-02')).toEqual([]);
    // Its real silence still counts from there.
    expect(detection.health.tick(clock.now + 4_000).concat(detection.health.tick(clock.now + 8_000), detection.health.tick(clock.now + 11_000)).filter((t) => t.device === 'gas-02').map((t) => t.ruleId)).toEqual(['stale']);
  });

  it('lets a new detector vote in its space', () => {
    const input = demoConfig();
    input.rules = [{ id: 'm', quantity: 'methane_lel', direction: 'above', levels: { red: 50 }, stopWork: true, stopWorkVotes: 2 }];
    const config = configSchema.parse(input);
    const { detection, follower } = start(config, T0);
    follower.applySites([{ before: config.sites[0]!, after: kitchen([detector('gas-02')]) }]);
    const t = { kind: 'level', site: DEMO_SITE, device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'm', from: null, to: 'red', value: 70, atMs: T0, stopWork: true } as const;
    const vote = detection.voting.decide(t as never, (v) => (v.device === 'gas-01' ? 'red' : null), () => true);
    expect([vote.atRed, vote.required, vote.confirmed]).toEqual([1, 2, false]);
  });
});
