// Every alarm carries its kind (contract/alarm-kind.ts) on a real SQLite file: rows written before
// the kind existed are filled from their rule id and the config's rule kinds, and alarms that
// detection does not make (actuators, the gateway itself) are raised through typed entry points,
// with no quantity borrowed from a gas.

import { describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { AlarmRepository } from '../../../gateway/src/alarms/repository.js';
import { AlarmService } from '../../../gateway/src/alarms/service.js';
import { SystemAlarms } from '../../../gateway/src/alarms/system-alarms.js';
import { EventBus } from '../../../gateway/src/events.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { DetectionEngine } from '../../../gateway/src/detect/engine.js';
import { ruleSchema } from '../../../gateway/src/config/rule-schema.js';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { useGatewayFixture } from '../../support/fixture.js';

const T0 = 1_800_000_000_000;

describe('alarm kinds', () => {
  const fx = useGatewayFixture();

  function service(path: string, now = () => T0) {
    const db = openStateDb(path);
    fx.defer(() => db.open && db.close());
    const repo = new AlarmRepository(db);
    return { db, repo, alarms: new AlarmService({ repo, events: new EventBus(silentLogger()), clock: now, log: silentLogger() }) };
  }

  it('fills the kind of rows written before it existed, from the rule id and the configured rule kinds', () => {
    const dir = fx.dataDir();
    {
      const { db } = service(dir);
      // Back to the schema before kinds: the column, the pending list and the columns added after
      // them gone, version 2.
      db.exec("ALTER TABLE alarm DROP COLUMN kind; DROP TABLE alarm_kind_pending; ALTER TABLE alarm DROP COLUMN clock_lead_ms; ALTER TABLE alarm DROP COLUMN rate_window_s; ALTER TABLE alarm DROP COLUMN rate_per_s; ALTER TABLE alarm DROP COLUMN peak_rate_per_s; UPDATE schema_module SET version = 2 WHERE name = 'alarms'");
      const insert = db.prepare(
        `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms)
         VALUES (?, 'k1', 'gas-01', 'ch4', 'methane_lel', ?, 'yellow', 'yellow', 1, 1, 'active_unacked', ${T0}, ${T0})`,
      );
      const rules = ['stale', 'offline', 'fault:range', 'fault:stuck', 'fault:device', 'actuator:unconfirmed', 'actuator:position', 'flood', 'system:notify_failed', 'kitchen-methane', 'kitchen-co-dose', 'kitchen-methane-rise', 'gone-rule'];
      rules.forEach((rule, i) => insert.run(`a${i}`, rule));
      db.close();
    }
    const db = openStateDb(dir);
    fx.defer(() => db.close());
    const repo = new AlarmRepository(db, new Map([['kitchen-methane', 'threshold'], ['kitchen-co-dose', 'dose'], ['kitchen-methane-rise', 'rate']] as const));
    const kinds = Object.fromEntries(repo.active().map((a) => [a.ruleId, a.kind]));
    expect(kinds).toEqual({
      stale: 'stale',
      offline: 'offline',
      'fault:range': 'fault_range',
      'fault:stuck': 'fault_stuck',
      'fault:device': 'fault_device',
      'actuator:unconfirmed': 'actuator_unconfirmed',
      'actuator:position': 'actuator_position',
      flood: 'flood',
      'system:notify_failed': 'gateway',
      'kitchen-methane': 'threshold',
      'kitchen-co-dose': 'dose',
      'kitchen-methane-rise': 'rate',
      'gone-rule': 'threshold',
    });
  });

  it('stores the kind the detection engine gives its transition, a rate alarm with its change and a dose alarm with its dose', () => {
    const dir = fx.dataDir();
    const { repo, alarms } = service(dir);
    const rule = ruleSchema.parse({ id: 'lvl-rise', kind: 'rate', quantity: 'water_level_m', direction: 'rise', windowS: 3600, levels: { yellow: 0.3 } });
    const engine = new DetectionEngine([rule]);
    let moved = 0;
    for (let i = 0; i < 10; i++) {
      for (const t of engine.process({ site: 'r1' as SiteId, device: 'gauge-01' as DeviceId, channel: 'level' as ChannelId, quantity: 'water_level_m', value: 120 + i * 0.1, tsMs: T0 + i * 60_000 })) {
        alarms.onTransition(t);
        moved++;
      }
    }
    expect(moved).toBeGreaterThan(0);
    expect(repo.active().map((a) => [a.ruleId, a.kind])).toEqual([['lvl-rise', 'rate']]);
    // The change within the window that crossed 0.3 m, not the 120 m water level.
    const rise = repo.active()[0]!;
    expect(rise.value).toBeGreaterThanOrEqual(0.3);
    expect(rise.value).toBeLessThan(0.5);

    const dose = ruleSchema.parse({ id: 'co-dose', kind: 'dose', quantity: 'co_ppm', levels: { yellow: 1 } });
    const coEngine = new DetectionEngine([dose]);
    // EN 50291-1: 300 ppm must alarm within 3 min; readings every 10 s until the dose is reached.
    for (let i = 0; i <= 18 && repo.active().length < 2; i++) {
      for (const t of coEngine.process({ site: 'k1' as SiteId, device: 'co-01' as DeviceId, channel: 'co' as ChannelId, quantity: 'co_ppm', value: 300, tsMs: T0 + i * 10_000 })) alarms.onTransition(t);
    }
    const co = repo.active().find((a) => a.ruleId === 'co-dose')!;
    expect(co.kind).toBe('dose');
    expect(co.value).toBeGreaterThanOrEqual(1);
    expect(co.value).toBeLessThan(1.2);
  });

  it('raises an actuator alarm as the actuator it is, not as a gas reading', () => {
    const dir = fx.dataDir();
    const { repo, alarms } = service(dir);
    const valve = { kind: 'actuator_unconfirmed', site: 'k1', device: 'valve-01', actuator: 'valve', attempts: 5 } as const;
    alarms.raiseDirect(valve, 'red');
    expect(repo.active()).toEqual([expect.objectContaining({ site: 'k1', device: 'valve-01', kind: 'actuator_unconfirmed', ruleId: 'actuator:unconfirmed', quantity: 'valve', value: 5, level: 'red' })]);
    alarms.raiseDirect(valve, 'red'); // already active: no second alarm, no second event
    expect(repo.events(repo.active()[0]!.id)).toHaveLength(1);
    alarms.clearDirect(valve);
    expect(repo.active()).toEqual([]);
  });

  it('raises a gateway self-alarm on the reserved site with its part and count', () => {
    const dir = fx.dataDir();
    const { repo, alarms } = service(dir);
    const system = new SystemAlarms(alarms);
    system.raise('notify-dead-hook', 'notify_failed', 2);
    system.raise('notify-dead-hook', 'notify_failed', 3);
    const [alarm] = repo.active();
    expect(alarm).toMatchObject({ site: '_gateway', device: 'notify-dead-hook', channel: 'notify_failed', kind: 'gateway', quantity: 'system', value: 2, level: 'orange' });
    expect(system.isActive('notify-dead-hook', 'notify_failed')).toBe(true);
    system.clear('notify-dead-hook', 'notify_failed', 0);
    expect(repo.get(alarm!.id)).toMatchObject({ state: 'cleared_unacked', kind: 'gateway' });
  });
});
