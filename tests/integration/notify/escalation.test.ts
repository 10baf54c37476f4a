// Escalation on a real state database with a controllable clock: the red alarm climbs to the
// shift leader at 2 minutes and the leader on call at 5, the reached tier is reminded every
// minute, nothing happens early, nothing is missed, nothing after the acknowledgement, and a
// restarted gateway carries on from the stored events.

import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/tmp.js';
import { openHarness, rosterInput, type Harness } from './notify-fixture.js';
import { useGatewayFixture } from '../../support/fixture.js';

const T0 = Date.parse('2026-11-23T02:00:00Z');

const input = {
  ...rosterInput(
    { hook: { type: 'webhook' as const, url: 'http://127.0.0.1:9/webhook', secret: 'webhook-secret-0123' } },
    { zhang: [{ channel: 'hook' }], wang: [{ channel: 'hook' }], zhao: [{ channel: 'hook' }] },
  ),
  escalation: { red: { climbAfterS: [120, 300], remindEveryS: 60 } },
};

describe('escalation', () => {
  const fx = useGatewayFixture();

  function open(dir: string, clock: () => number): Harness {
    const h = openHarness(dir, input, clock);
    fx.defer(() => h.close());
    return h;
  }

  /** Escalation and reminder events as "second:kind:tier". */
  function steps(h: Harness, alarmId: string): string[] {
    return h.repo
      .events(alarmId)
      .filter((e) => e.kind !== 'raised')
      .map((e) => `${(e.atMs - T0) / 1000}:${e.kind}${e.note?.startsWith('tier:') ? `:${e.note.split(' ')[0]!.slice(5)}` : ''}`);
  }

  it('climbs at 2 and 5 minutes, reminds every minute, and stops at the acknowledgement', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    let now = T0;
    const h = open(dir.path, () => now);
    const alarm = h.move('gas-01', null, 'red', 62)!;
    for (let s = 1; s <= 400; s++) {
      now = T0 + s * 1000;
      if (s === 250) expect(h.alarms.acknowledge(alarm.id, 'officer-zhang')?.rejected).toBeUndefined();
      h.notifier.escalation.tick(now);
    }
    expect(steps(h, alarm.id)).toEqual(['60:reminder:duty', '120:escalation:leader', '180:reminder:leader', '240:reminder:leader', '250:acked']);
    // Each step reached the tier's people through the outbox, in the same save.
    const rows = h.notifier.outbox.list({ alarmId: alarm.id, limit: 50 }).reverse();
    expect(rows.map((r) => `${r.kind}:${r.recipient}`)).toEqual(['raised:zhang', 'reminder:zhang', 'escalation:wang', 'reminder:wang', 'reminder:wang']);
    expect(rows[2]!.title).toBe('【逐级上报·值班长】示范餐馆后厨 甲烷红色预警 2 分钟未确认');
  });

  it('takes a climb due while the gateway was down at the first tick after restart, and goes on from there', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    let now = T0;
    const first = open(dir.path, () => now);
    const alarm = first.move('gas-01', null, 'red', 62)!;
    now = T0 + 130_000;
    first.notifier.escalation.tick(now);
    first.close();

    // Down from 130 s to 330 s: the climb to the leader on call (300 s) fell due meanwhile.
    now = T0 + 330_000;
    const second = open(dir.path, () => now);
    second.notifier.escalation.tick(now);
    for (let s = 331; s <= 400; s++) second.notifier.escalation.tick((now = T0 + s * 1000));
    expect(steps(second, alarm.id)).toEqual(['130:escalation:leader', '330:escalation:onCall', '390:reminder:onCall']);
  });

  it('a rise to a higher level starts the climb again at that level’s delays', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    let now = T0;
    const h = open(dir.path, () => now);
    const alarm = h.move('gas-01', null, 'orange', 40)!;
    // Orange defaults: climb after 300 s; reminders every 300 s.
    for (let s = 1; s <= 100; s++) h.notifier.escalation.tick((now = T0 + s * 1000));
    h.move('gas-01', 'orange', 'red', 70);
    for (let s = 101; s <= 230; s++) h.notifier.escalation.tick((now = T0 + s * 1000));
    expect(steps(h, alarm.id)).toEqual(['100:escalated', '160:reminder:duty', '220:escalation:leader']);
  });
});
