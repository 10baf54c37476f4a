// An alarm flood at one site (ISA-18.2: more than 10 alarms in 10 minutes) on a real SQLite file:
// twelve alarms give one consolidated site alarm, the roster hook sees the flood's alarms as
// suppressed (red excepted), and the flood alarm clears after a quiet window, recording its span.

import { describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { AlarmRepository } from '../../../gateway/src/alarms/repository.js';
import { AlarmService } from '../../../gateway/src/alarms/service.js';
import { EventBus } from '../../../gateway/src/events.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { levelTransition } from '../../support/transitions.js';
import type { Level } from '../../../gateway/src/contract/levels.js';
import { tempDir } from '../../support/tmp.js';
import { useGatewayFixture } from '../../support/fixture.js';

const MIN = 60_000;

describe('alarm flood', () => {
  const fx = useGatewayFixture();

  let now = 1_800_000_000_000;
  const raise = (service: AlarmService, device: string, to: Level, site = 'k1'): void => {
    service.onTransition(levelTransition({ site, device, channel: 'ch4', quantity: 'methane_lel', ruleId: 'kitchen-methane', from: null, to, value: 30, atMs: now, stopWork: false }));
  };

  function open(path: string): { db: Db; repo: AlarmRepository; service: AlarmService; told: string[] } {
    const db = openStateDb(path);
    fx.defer(() => db.close());
    const repo = new AlarmRepository(db);
    const service = new AlarmService({ repo, events: new EventBus(silentLogger()), clock: () => now, log: silentLogger(), flood: { alarms: 10, windowMs: 10 * MIN } });
    // What a notifier would send: every event of a save that suppress() lets through.
    const told: string[] = [];
    repo.onSave((alarm, events) => {
      if (!service.suppress(alarm)) for (const e of events) told.push(`${alarm.device}:${e.kind}:${e.toLevel}`);
    });
    return { db, repo, service, told };
  }

  it('consolidates twelve alarms in ten minutes into one site alarm and suppresses the rest', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const { repo, service, told } = open(dir.path);
    const start = now;
    for (let i = 1; i <= 12; i++) {
      raise(service, `gas-${i}`, i === 5 ? 'orange' : 'yellow');
      now += 30_000;
    }
    raise(service, 'gas-other-site', 'yellow', 'k2'); // another site is not in flood

    const floods = repo.list({ site: 'k1', limit: 50 }).filter((a) => a.ruleId === 'flood');
    expect(floods).toHaveLength(1);
    // Raised with the 11th alarm (at +300 s), at the highest level among the flood's alarms.
    expect(floods[0]).toMatchObject({ device: '_site', channel: '_site', level: 'orange', value: 11, state: 'active_unacked', raisedAtMs: start + 10 * 30_000 });
    expect(told.filter((x) => x.endsWith(':raised:yellow') || x.endsWith(':raised:orange'))).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `gas-${i + 1}:raised:${i === 4 ? 'orange' : 'yellow'}`),
      '_site:raised:orange',
      'gas-other-site:raised:yellow',
    ]);
    expect(repo.list({ site: 'k1', limit: 50 })).toHaveLength(13); // every alarm is still recorded

    // Red is never suppressed, and raises the site alarm to red.
    raise(service, 'gas-13', 'red');
    expect(told.slice(-2)).toEqual(['gas-13:raised:red', '_site:escalated:red']);
    // A flood alarm does not block lifting a stop-work order: the site's alarms speak for themselves.
    expect(service.activeLevels('k1').filter((l) => l === 'red')).toHaveLength(1);

    // The last raise (gas-13) was at +360 s; the 11th-latest at +60 s: the window holds more than
    // ten until +660 s, and the flood ends after a whole quiet window more, at +1260 s.
    const lastOverMs = start + 2 * 30_000 + 10 * MIN;
    now = lastOverMs + 10 * MIN - 1;
    service.tick(now);
    expect(service.inFlood('k1')).toBe(true);
    now += 1;
    service.tick(now);
    expect(service.inFlood('k1')).toBe(false);
    const ended = repo.get(floods[0]!.id)!;
    expect(ended).toMatchObject({ state: 'cleared_unacked', value: 13, peakLevel: 'red', clearedAtMs: lastOverMs + 10 * MIN });
    // Time in flood, as the metrics read it: from the 11th alarm to the end of the quiet window.
    expect(ended.clearedAtMs! - ended.raisedAtMs).toBe(lastOverMs + 10 * MIN - (start + 300_000));

    expect(told.at(-1)).toBe('_site:cleared:null');

    // After the flood the site's alarms reach the roster again.
    raise(service, 'gas-14', 'yellow');
    expect(told.at(-1)).toBe('gas-14:raised:yellow');
    expect(service.inFlood('k1')).toBe(false);
  });

  it('does not count alarms of a device out of service, and keeps flooding across a restart', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const first = open(dir.path);
    first.service.putOutOfService({ site: 'k1', device: 'bench', by: 'officer-li', reason: 'test bench', untilMs: now + 60 * MIN });
    // A multi-channel detector on the test bench raising on twenty channels: not the operator's load.
    for (let i = 0; i < 20; i++) {
      first.service.onTransition(levelTransition({ site: 'k1', device: 'bench', channel: `ch${i}`, to: 'yellow', value: 30, atMs: now }));
    }
    expect(first.repo.list({ site: 'k1', limit: 100 })).toHaveLength(20);
    expect(first.service.inFlood('k1')).toBe(false);

    for (let i = 1; i <= 11; i++) raise(first.service, `gas-${i}`, 'yellow');
    expect(first.service.inFlood('k1')).toBe(true);
    first.db.close(); // the cleanup's second close is a no-op in better-sqlite3

    now += MIN;
    const second = open(dir.path);
    expect(second.service.inFlood('k1')).toBe(true);
    raise(second.service, 'gas-12', 'yellow');
    expect(second.told).toEqual([]);
    second.service.tick(now + 10 * MIN);
    expect(second.service.inFlood('k1')).toBe(false);
    expect(second.repo.list({ site: 'k1', limit: 100 }).find((a) => a.ruleId === 'flood')).toMatchObject({ state: 'cleared_unacked', value: 12 });
  });
});
