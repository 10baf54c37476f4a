// An alarm raised from readings a detector buffered since yesterday (its link was down) carries
// yesterday's times. Measured on the gateway clock its climb fell due the moment it was raised:
// the duty officer, the shift leader and the leader on call were all called within a second, and
// a reminder said "unacknowledged for 1 500 min" right after the first notice. The chase runs in
// the alarm's own time: reminded after a minute, climbing at 2 and 5 minutes, as any other alarm.

import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/tmp.js';
import { levelTransition } from '../../support/transitions.js';
import { openHarness, rosterInput, SITE, type Harness } from './notify-fixture.js';
import { useGatewayFixture } from '../../support/fixture.js';

const T0 = Date.parse('2026-11-23T02:00:00Z');
const YESTERDAY = T0 - 25 * 3_600_000;

const input = {
  ...rosterInput(
    { hook: { type: 'webhook' as const, url: 'http://127.0.0.1:9/webhook', secret: 'webhook-secret-0123' } },
    { zhang: [{ channel: 'hook' }], wang: [{ channel: 'hook' }], zhao: [{ channel: 'hook' }] },
  ),
  escalation: { red: { climbAfterS: [120, 300], remindEveryS: 60 } },
};

describe('escalation of an alarm raised from buffered readings', () => {
  const fx = useGatewayFixture();

  it('climbs from when it was raised, in its own time, not at once', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    let now = T0;
    // The alarm service is built inside the harness, after the notifier that asks it for the time.
    let harness: Harness | undefined;
    const h = openHarness(dir.path, input, () => now, { alarmTime: (alarm, nowMs) => harness!.alarms.alarmTime(alarm, nowMs) });
    harness = h;
    fx.defer(() => h.close());
    h.notifier.escalation.tick(now);
    const alarm = h.alarms.onTransition(
      levelTransition({ site: SITE, device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'methane', from: null, to: 'red', value: 62, atMs: YESTERDAY, stopWork: false }),
    )!;
    expect(alarm.raisedAtMs).toBe(YESTERDAY);
    for (let s = 1; s <= 59; s++) h.notifier.escalation.tick((now = T0 + s * 1000));
    expect(h.repo.events(alarm.id).map((e) => e.kind)).toEqual(['raised']);
    for (let s = 60; s <= 320; s++) h.notifier.escalation.tick((now = T0 + s * 1000));
    const steps = h.repo
      .events(alarm.id)
      .filter((e) => e.kind !== 'raised')
      .map((e) => `${(e.atMs - YESTERDAY) / 1000}:${e.kind}:${e.note!.split(' ')[0]!.slice(5)}`);
    expect(steps).toEqual(['60:reminder:duty', '120:escalation:leader', '180:reminder:leader', '240:reminder:leader', '300:escalation:onCall']);
    const rows = h.notifier.outbox.list({ alarmId: alarm.id, limit: 50 }).reverse();
    expect(rows[2]!.title).toBe('【逐级上报·值班长】示范餐馆后厨 甲烷红色预警 2 分钟未确认');
  });
});
