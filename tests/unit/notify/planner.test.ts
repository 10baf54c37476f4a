// Who hears of which alarm step: the first staffed tier of the level's chain, the tier an
// escalation names, the audience of an all-clear; nobody for a suppressed alarm.

import { describe, expect, it } from 'vitest';
import { raiseAlarm, type AlarmEvent } from '../../../gateway/src/alarms/lifecycle.js';
import { notifySchema } from '../../../gateway/src/config/notify-schema.js';
import { planNotifications, tierNote, type PlanContext } from '../../../gateway/src/notify/planner.js';

const notify = notifySchema.parse({
  channels: { ding: { type: 'dingtalk', url: 'http://127.0.0.1:9/d' }, sms: { type: 'sms', url: 'http://127.0.0.1:9/s' } },
  roster: {
    people: {
      zhang: { name: '张', contacts: [{ channel: 'ding' }] },
      wang: { name: '王', contacts: [{ channel: 'sms', to: '13800000000' }] },
    },
    // Nobody on the duty tier at night: the shift leader must still hear of the alarm.
    shifts: [
      { id: 'day', start: '08:00', end: '20:00', duty: ['zhang'], leader: ['wang'] },
      { id: 'night', start: '20:00', end: '08:00', leader: ['wang'] },
    ],
  },
});
const ctx: PlanContext = { notify, site: () => ({ name: '后厨', timeZone: 'Asia/Shanghai' }), audienceOf: () => [{ recipient: 'zhang', channel: 'ding', address: null }] };
const DAY = Date.parse('2026-11-23T10:00:00+08:00');
const NIGHT = Date.parse('2026-11-23T23:00:00+08:00');

function raised(level: 'blue' | 'yellow' | 'red', atMs: number): { alarm: ReturnType<typeof raiseAlarm>['next']; event: AlarmEvent } {
  const o = raiseAlarm({ id: 'a1', site: 'kitchen-01', device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'r', level, value: 60, atMs });
  return { alarm: o.next, event: o.events[0]! };
}

describe('notification planner', () => {
  it('sends a red alarm to the duty officer by day and to the shift leader when the duty slot is empty', () => {
    const day = raised('red', DAY);
    expect(planNotifications(day.alarm, day.event, 7, ctx).map((r) => `${r.key}>${r.address}`)).toEqual(['7:zhang:ding>null']);
    const night = raised('red', NIGHT);
    expect(planNotifications(night.alarm, night.event, 8, ctx).map((r) => `${r.key}>${r.address}`)).toEqual(['8:wang:sms>13800000000']);
  });

  it('tells nobody of blue, and nobody of a yellow alarm at night (only the duty tier takes yellow)', () => {
    const blue = raised('blue', DAY);
    expect(planNotifications(blue.alarm, blue.event, 1, ctx)).toEqual([]);
    const yellow = raised('yellow', NIGHT);
    expect(planNotifications(yellow.alarm, yellow.event, 2, ctx)).toEqual([]);
  });

  it('sends an escalation to the tier it names, and an all-clear to those who heard', () => {
    const { alarm, event } = raised('red', DAY);
    const climb: AlarmEvent = { ...event, kind: 'escalation', atMs: DAY + 120_000, note: tierNote('leader', 'climbed') };
    const rows = planNotifications(alarm, climb, 9, ctx);
    expect(rows.map((r) => r.key)).toEqual(['9:wang:sms']);
    expect(rows[0]!.title).toBe('【逐级上报·值班长】后厨 甲烷红色预警 2 分钟未确认');
    const cleared: AlarmEvent = { ...event, kind: 'cleared', toLevel: null, value: 2, atMs: DAY + 600_000 };
    expect(planNotifications(alarm, cleared, 10, ctx).map((r) => `${r.key}:${r.kind}`)).toEqual(['10:zhang:ding:cleared']);
    expect(planNotifications(alarm, cleared, 10, { ...ctx, notify: { ...notify, notifyCleared: false } })).toEqual([]);
  });

  it('sends a reminder addressed to an empty duty slot to the next staffed tier up', () => {
    const { alarm, event } = raised('red', NIGHT);
    const reminder: AlarmEvent = { ...event, kind: 'reminder', atMs: NIGHT + 60_000, note: tierNote('duty', 'reminded') };
    const rows = planNotifications(alarm, reminder, 11, ctx);
    expect(rows.map((r) => r.key)).toEqual(['11:wang:sms']);
    expect(rows[0]!.body.data.tier).toBe('leader');
  });

  it('sends nothing for a suppressed alarm, and nothing for an acknowledgement', () => {
    const { alarm, event } = raised('red', DAY);
    expect(planNotifications(alarm, event, 3, { ...ctx, suppress: () => true })).toEqual([]);
    expect(planNotifications(alarm, { ...event, kind: 'acked', actor: 'zhang' }, 4, ctx)).toEqual([]);
  });
});
