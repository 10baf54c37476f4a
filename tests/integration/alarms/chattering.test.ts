// A chattering sensor through the alarm service on a real SQLite file: after the third crossing in
// a minute its alarm is held active (one alarm, not one per crossing) and clears only once the
// sensor has been quiet for the stable time.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { AlarmRepository } from '../../../gateway/src/alarms/repository.js';
import { AlarmService } from '../../../gateway/src/alarms/service.js';
import { EventBus } from '../../../gateway/src/events.js';
import { silentLogger } from '../../../gateway/src/log.js';
import type { LevelTransition } from '../../../gateway/src/detect/engine.js';
import { levelTransition } from '../../support/transitions.js';
import type { Level } from '../../../gateway/src/contract/levels.js';
import { tempDir } from '../../support/tmp.js';

describe('chattering alarms', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let now: number;
  let service: AlarmService;
  let repo: AlarmRepository;

  beforeEach(() => {
    dir = tempDir();
    db = openStateDb(dir.path);
    repo = new AlarmRepository(db);
    now = 1_800_000_000_000;
    service = new AlarmService({ repo, events: new EventBus(silentLogger()), clock: () => now, log: silentLogger(), chatter: { raises: 3, windowMs: 60_000, stableMs: 60_000 } });
  });
  afterEach(() => {
    db.close();
    dir.remove();
  });

  const t = (from: Level | null, to: Level | null, value: number): LevelTransition =>
    levelTransition({ site: 'k1', device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'kitchen-methane', from, to, value, atMs: now, stopWork: false });

  function flap(times: number): void {
    for (let i = 0; i < times; i++) {
      now += 5_000;
      service.onTransition(t(null, 'yellow', 22));
      now += 5_000;
      service.onTransition(t('yellow', null, 15));
    }
  }

  it('holds the third alarm of a minute active instead of raising more', () => {
    flap(6);
    const alarms = repo.list({ site: 'k1', limit: 50 });
    // Two crossings raise and clear normally; the third is flagged and held for the rest.
    expect(alarms).toHaveLength(3);
    const held = service.activeAlarms();
    expect(held).toHaveLength(1);
    expect(repo.events(held[0]!.id).map((e) => e.kind)).toContain('chattering');
  });

  it('clears the held alarm once the sensor has been quiet for the stable time', () => {
    flap(4);
    const held = service.activeAlarms()[0]!;
    service.releaseStable(now + 59_999);
    expect(service.activeAlarms()).toHaveLength(1);
    service.releaseStable(now + 60_000);
    expect(service.activeAlarms()).toHaveLength(0);
    expect(repo.get(held.id)?.state).toBe('cleared_unacked');
  });

  it('keeps a held alarm that comes back, and escalates it in place', () => {
    flap(3);
    const held = service.activeAlarms()[0]!;
    now += 5_000;
    service.onTransition(t(null, 'red', 60));
    expect(service.activeAlarms()).toHaveLength(1);
    expect(service.activeAlarms()[0]).toMatchObject({ id: held.id, level: 'red', peakLevel: 'red' });
  });
});

describe('stale alarms', () => {
  it('flags an alarm active longer than the stale time once, without clearing it', () => {
    const dir = tempDir();
    const db = openStateDb(dir.path);
    try {
      const repo = new AlarmRepository(db);
      const now = 1_800_000_000_000;
      const service = new AlarmService({ repo, events: new EventBus(silentLogger()), clock: () => now, log: silentLogger(), staleAlarmMs: 24 * 3_600_000 });
      const alarm = service.onTransition(levelTransition({ site: 'k1', device: 'g', channel: 'ch4', quantity: 'methane_lel', ruleId: 'r', from: null, to: 'yellow', value: 22, atMs: now, stopWork: false }))!;
      service.tick(now + 24 * 3_600_000 - 1);
      expect(repo.events(alarm.id).map((e) => e.kind)).toEqual(['raised']);
      service.tick(now + 24 * 3_600_000);
      service.tick(now + 25 * 3_600_000);
      expect(repo.events(alarm.id).map((e) => e.kind)).toEqual(['raised', 'stale_alarm']);
      expect(service.activeAlarms().map((a) => a.id)).toEqual([alarm.id]);
    } finally {
      db.close();
      dir.remove();
    }
  });
});
