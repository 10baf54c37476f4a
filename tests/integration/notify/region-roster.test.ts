// Rosters and briefings by region, over a real state database with the registry's region tree: a
// shift limited to a county reaches that county's alarms (a site added under it after the start
// included, its region read when the alarm is notified), not the other county's; each region's
// officers get the daily briefing of their subtree; a county's unacknowledged alarms climb on its
// own delays; a county's notification list holds its own.

import { afterEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../../gateway/src/contract/scope.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import { RegistryStore } from '../../../gateway/src/registry/registry-store.js';
import { SqlScopeReader } from '../../../gateway/src/registry/scope-reader-query.js';
import { regionBriefingsOver } from '../../../gateway/src/notify/region-briefings.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { levelTransition } from '../../support/transitions.js';
import { tempDir } from '../../support/tmp.js';
import { openHarness, SITE, type Harness } from './notify-fixture.js';

const at = (iso: string): number => Date.parse(iso);
const NOWHERE = { hook: { type: 'webhook' as const, url: 'http://127.0.0.1:9/webhook', secret: 'webhook-secret-0123' } };

describe('rosters and briefings by region', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

  function start(): { h: Harness; fleet: LiveFleet; setNow(ms: number): void; raise(site: string, device: string): string } {
    const dir = tempDir();
    let now = at('2026-11-23T02:00:00Z');
    const clock = () => now;
    // The harness's database gets the registry's tables first, through the writer the gateway uses.
    const probe = openHarness(dir.path, { channels: NOWHERE }, clock);
    const fleet0 = new LiveFleet(new RegistryStore(probe.db), silentLogger());
    const by = { actor: 'test', atMs: now };
    fleet0.putRegion({ id: 'hubei', name: '湖北省', level: 'province' }, by);
    fleet0.putRegion({ id: 'county-a', name: '江汉区', level: 'county', parent: 'hubei', officers: ['李明'] }, by);
    fleet0.putRegion({ id: 'town-a1', name: '唐家墩街道', level: 'town', parent: 'county-a' }, by);
    fleet0.putRegion({ id: 'county-b', name: '武昌区', level: 'county', parent: 'hubei', officers: ['wang'] }, by);
    fleet0.putSite({ id: SITE, name: '示范餐馆后厨', region: 'town-a1', devices: [] }, by);
    fleet0.putSite({ id: 'kitchen-02', name: '城北餐馆', region: 'county-b', devices: [] }, by);
    probe.close();

    // The registry read over a second connection to the same state.db file (the runtime reads it
    // over the gateway's own): rows the fleet writes later are seen at the next alarm.
    const side = openStateDb(dir.path);
    const scopes = new SqlScopeReader(side);
    const h = openHarness(
      dir.path,
      {
        channels: NOWHERE,
        roster: {
          people: { li: { name: '李明', contacts: [{ channel: 'hook' }] }, wang: { name: '王芳', contacts: [{ channel: 'hook' }] }, chief: { name: '赵局', contacts: [{ channel: 'hook' }] } },
          shifts: [
            { id: 'a', start: '00:00', end: '00:00', regions: ['county-a'], duty: ['li'], leader: ['chief'] },
            { id: 'b', start: '00:00', end: '00:00', regions: ['county-b'], duty: ['wang'], leader: ['chief'] },
          ],
        },
        briefing: { enabled: true, at: '08:00' },
        // County A's red alarms climb after 30 s (the default after 120 s and 300 s).
        escalationByRegion: [{ regions: ['county-a'], red: { climbAfterS: [30], remindEveryS: 0 } }],
      },
      clock,
      { inRegions: (site, regions) => scopes.contains({ kind: 'regions', regions }, site), regionBriefings: regionBriefingsOver(side) },
    );
    cleanups.push(() => dir.remove(), () => side.close(), () => h.close());
    const fleet = new LiveFleet(new RegistryStore(h.db), silentLogger());
    return {
      h,
      fleet,
      setNow: (ms) => (now = ms),
      raise(site, device) {
        const alarm = h.alarms.onTransition(levelTransition({ site, device, channel: 'ch4', quantity: 'methane_lel', ruleId: 'methane', from: null, to: 'red', value: 70, atMs: now, stopWork: false }))!;
        return alarm.id;
      },
    };
  }

  const recipientsOf = (h: Harness, alarmId: string) => [...new Set(h.notifier.list({ alarmId, limit: 100 }).map((r) => r.recipient))];

  it("reaches county A's duty officer for A's alarms and B's for B's", () => {
    const { h, raise } = start();
    expect(recipientsOf(h, raise(SITE, 'gas-01'))).toEqual(['li']);
    expect(recipientsOf(h, raise('kitchen-02', 'gas-09'))).toEqual(['wang']);
  });

  it('covers a site added under county B after the start, by its region at the moment of the alarm', () => {
    const { h, fleet, raise } = start();
    const by = { actor: 'test', atMs: Date.now() };
    fleet.putRegion({ id: 'town-b1', name: '中南路街道', level: 'town', parent: 'county-b' }, by);
    fleet.putSite({ id: 'kitchen-03', name: '中南路面馆', region: 'town-b1', devices: [] }, by);
    expect(recipientsOf(h, raise('kitchen-03', 'gas-01'))).toEqual(['wang']);
    // Moved to county A, its next alarm goes to A's officer.
    fleet.putSite({ id: 'kitchen-03', name: '中南路面馆', region: 'county-a', devices: [] }, by);
    expect(recipientsOf(h, raise('kitchen-03', 'gas-02'))).toEqual(['li']);
  });

  it("sends each region's officers the briefing of its subtree, by name or roster id", () => {
    const { h, setNow, raise } = start();
    raise(SITE, 'gas-01');
    raise('kitchen-02', 'gas-09');
    setNow(at('2026-11-24T00:00:00Z')); // 08:00 in Shanghai: the handover
    expect(h.notifier.briefings.tick(at('2026-11-24T00:00:00Z'))).toBeGreaterThan(0);
    const rows = h.db.prepare("SELECT key, recipient, body FROM notify_outbox WHERE kind = 'briefing' ORDER BY key").all() as { key: string; recipient: string; body: string }[];
    expect(rows.map((r) => [r.key.split(':').slice(1, 3).join(':'), r.recipient])).toEqual([
      ['tree:county-a', 'li'],
      ['tree:county-b', 'wang'],
    ]);
    const a = rows.find((r) => r.recipient === 'li')!.body;
    const b = rows.find((r) => r.recipient === 'wang')!.body;
    expect(a).toContain('示范餐馆后厨');
    expect(a).not.toContain('城北餐馆');
    expect(b).toContain('城北餐馆');
    expect(b).not.toContain('示范餐馆后厨');
    // The API's briefing of a registry region covers its subtree too.
    expect(h.notifier.briefingOn('2026-11-24', 'hubei')!.briefing.alarmsByLevel.red).toBe(2);
    expect(h.notifier.briefingOn('2026-11-24', 'county-a')!.briefing.alarmsByLevel.red).toBe(1);
  });

  it("lists to a county's officer the notifications of his county's alarms only", () => {
    const { h, raise } = start();
    const mine = raise(SITE, 'gas-01');
    const theirs = raise('kitchen-02', 'gas-09');
    const A: Scope = { kind: 'regions', regions: ['county-a'] };
    const listed = h.notifier.list({ limit: 100, scope: A }).map((r) => r.alarmId);
    expect(listed).toContain(mine);
    expect(listed).not.toContain(theirs);
    expect(h.notifier.list({ limit: 100 }).map((r) => r.alarmId)).toContain(theirs);
  });

  it("climbs county A's unacknowledged red alarm on A's own delay, B's on the default", () => {
    const { h, setNow, raise } = start();
    const t0 = at('2026-11-23T02:00:00Z');
    const a = raise(SITE, 'gas-01');
    const b = raise('kitchen-02', 'gas-09');
    setNow(t0 + 40_000);
    const steps = h.notifier.escalation.tick(t0 + 40_000);
    expect(steps.map((e) => [e.alarmId, e.kind])).toEqual([[a, 'escalation']]);
    expect(recipientsOf(h, a).sort()).toEqual(['chief', 'li']);
    expect(recipientsOf(h, b)).toEqual(['wang']);
    setNow(t0 + 125_000);
    expect(h.notifier.escalation.tick(t0 + 125_000).map((e) => e.alarmId)).toEqual([b]);
  });
});
