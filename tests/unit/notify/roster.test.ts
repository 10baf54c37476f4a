// Who is on duty: shifts by weekday in the roster's time zone, night shifts across midnight,
// holiday overrides.

import { describe, expect, it } from 'vitest';
import { notifySchema, type NotifyConfigInput } from '../../../gateway/src/config/notify-schema.js';
import { peopleOn, recipientsOn, shiftsAt, tierChain } from '../../../gateway/src/notify/roster.js';

const input: NotifyConfigInput = {
  channels: { ding: { type: 'dingtalk', url: 'http://127.0.0.1:9/dingtalk' }, mail: { type: 'email', host: '127.0.0.1', from: 'shaobing@example.cn' } },
  roster: {
    people: {
      a: { name: '张三', contacts: [{ channel: 'ding' }, { channel: 'mail', to: 'a@example.cn' }] },
      b: { name: '李四', contacts: [{ channel: 'ding' }] },
      c: { name: '王五', contacts: [{ channel: 'ding' }] },
      lead: { name: '赵六', contacts: [{ channel: 'ding' }] },
    },
    shifts: [
      { id: 'day', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '20:00', duty: ['a'], leader: ['lead'] },
      { id: 'night', start: '20:00', end: '08:00', duty: ['b'] },
      { id: 'holiday', days: [], start: '08:00', end: '08:00', duty: ['c'] },
    ],
    holidays: { '2026-10-01': ['holiday'] },
  },
};
const notify = notifySchema.parse(input);
const roster = notify.roster;
/** Shanghai wall time → instant (UTC+8, no DST). */
const sh = (local: string): number => Date.parse(`${local}+08:00`);
const duty = (local: string): string[] => peopleOn(roster, 'kitchen-01', sh(local), 'duty');

describe('duty roster', () => {
  it('hands over from the day to the night shift at 20:00 local time', () => {
    expect(duty('2026-11-23T19:59:59')).toEqual(['a']); // a Monday
    expect(duty('2026-11-23T20:00:00')).toEqual(['b']);
  });

  it('keeps the night shift across midnight and hands back at 08:00', () => {
    expect(duty('2026-11-23T23:59:59')).toEqual(['b']);
    expect(duty('2026-11-24T00:00:00')).toEqual(['b']);
    expect(duty('2026-11-24T07:59:59')).toEqual(['b']);
    expect(duty('2026-11-24T08:00:00')).toEqual(['a']);
  });

  it('has nobody on the day shift at the weekend (days lists Monday to Friday)', () => {
    expect(duty('2026-11-28T10:00:00')).toEqual([]); // Saturday
    expect(duty('2026-11-28T21:00:00')).toEqual(['b']);
  });

  it('replaces the weekday shifts on a holiday, including the night, and keeps the eve night shift', () => {
    expect(duty('2026-10-01T03:00:00')).toEqual(['b']); // the night shift begun on 30 September
    expect(duty('2026-10-01T10:00:00')).toEqual(['c']); // a Thursday, but the holiday list wins
    expect(duty('2026-10-01T21:00:00')).toEqual(['c']);
    expect(duty('2026-10-02T07:59:00')).toEqual(['c']); // the 24-hour holiday shift runs past midnight
    expect(duty('2026-10-02T08:00:00')).toEqual(['a']);
    expect(shiftsAt(roster, 'kitchen-01', sh('2026-10-01T10:00:00')).map((s) => s.id)).toEqual(['holiday']);
  });

  it('reads shifts in the roster time zone, not the machine one', () => {
    const berlin = notifySchema.parse({ ...input, roster: { ...input.roster, timezone: 'Europe/Berlin' } }).roster;
    const at = Date.parse('2026-11-23T12:30:00Z'); // 20:30 in Shanghai, 13:30 in Berlin
    expect(peopleOn(roster, 'kitchen-01', at, 'duty')).toEqual(['b']);
    expect(peopleOn(berlin, 'kitchen-01', at, 'duty')).toEqual(['a']);
  });

  it('lists each contact of the people on a tier', () => {
    expect(recipientsOn(roster, 'kitchen-01', sh('2026-11-23T10:00:00'), 'duty')).toEqual([
      { person: 'a', name: '张三', channel: 'ding', to: null },
      { person: 'a', name: '张三', channel: 'mail', to: 'a@example.cn' },
    ]);
    expect(peopleOn(roster, 'kitchen-01', sh('2026-11-23T10:00:00'), 'leader')).toEqual(['lead']);
  });

  it('chains the tiers by the levels each receives (yellow: duty only; red: all three)', () => {
    expect(tierChain(roster, 'blue')).toEqual([]);
    expect(tierChain(roster, 'yellow')).toEqual(['duty']);
    expect(tierChain(roster, 'orange')).toEqual(['duty', 'leader']);
    expect(tierChain(roster, 'red')).toEqual(['duty', 'leader', 'onCall']);
  });

  it('refuses a roster naming an unknown person, channel or shift, saying where', () => {
    const bad = notifySchema.safeParse({
      channels: { mail: { type: 'email', host: '127.0.0.1', from: 'x@example.cn' } },
      roster: {
        people: { a: { name: 'A', contacts: [{ channel: 'mail' }, { channel: 'nope' }] } },
        shifts: [{ id: 'day', start: '08:00', end: '20:00', duty: ['ghost'] }],
        holidays: { '2026-10-01': ['missing'] },
        timezone: 'Mars/Olympus',
      },
    });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^roster\.people\.a\.contacts\.0\.to: a email contact needs/),
        expect.stringMatching(/^roster\.people\.a\.contacts\.1\.channel: no channel nope/),
        expect.stringMatching(/^roster\.shifts\.0\.duty\.0: no person ghost/),
        expect.stringMatching(/^roster\.holidays\.2026-10-01\.0: no shift missing/),
        expect.stringMatching(/^roster\.timezone: unknown time zone/),
      ]),
    );
  });
});
