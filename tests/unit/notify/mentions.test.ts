// DingTalk @-mentions: which steps call the recipient by mobile (at.atMobiles plus @mobile in the
// text, as DingTalk's custom-robot API asks for markdown), and the config check of that mobile.

import { describe, expect, it } from 'vitest';
import { notifySchema } from '../../../gateway/src/config/notify-schema.js';
import type { Outgoing } from '../../../gateway/src/notify/channels/channel.js';
import { dingtalkBody, dingtalkMentions } from '../../../gateway/src/notify/channels/dingtalk.js';

const MOBILE = '13800000001';
const out = (kind: string, level: string | null, to: string | null = MOBILE): Outgoing => ({
  key: `7:zhang:ding`,
  to,
  title: '【红色预警】示范餐馆后厨 甲烷报警',
  text: 't',
  markdown: '### 【红色预警】示范餐馆后厨 甲烷报警',
  html: '<h3></h3>',
  link: 'http://127.0.0.1:8080/#/alarms/a1',
  data: { kind, level },
});

describe('DingTalk @-mentions', () => {
  it('mentions the recipient on every step of a red alarm that calls for them, and on nothing else', () => {
    const red = ['red'];
    expect(['raised', 'escalated', 'escalation', 'reminder'].map((k) => dingtalkMentions(out(k, 'red'), red))).toEqual([[MOBILE], [MOBILE], [MOBILE], [MOBILE]]);
    expect(dingtalkMentions(out('cleared', 'red'), red)).toEqual([]); // the all-clear wakes nobody
    expect(dingtalkMentions(out('briefing', null), red)).toEqual([]);
    expect(dingtalkMentions(out('raised', 'orange'), red)).toEqual([]);
    expect(dingtalkMentions(out('raised', 'red', null), red)).toEqual([]); // no mobile in the roster
    expect(dingtalkMentions(out('raised', 'orange'), ['orange', 'red'])).toEqual([MOBILE]);
  });

  it('puts the mobile in at.atMobiles and as @mobile in the markdown text', () => {
    const body = JSON.parse(dingtalkBody(out('raised', 'red'), ['red'])) as { msgtype: string; markdown: { title: string; text: string }; at: unknown };
    expect(body.msgtype).toBe('markdown');
    expect(body.at).toEqual({ atMobiles: [MOBILE], isAtAll: false });
    expect(body.markdown.text).toBe(`### 【红色预警】示范餐馆后厨 甲烷报警\n\n@${MOBILE}\n\n> 7:zhang:ding`);
    const quiet = JSON.parse(dingtalkBody(out('raised', 'yellow'), ['red'])) as { markdown: { text: string }; at: unknown };
    expect(quiet.at).toEqual({ atMobiles: [], isAtAll: false });
    expect(quiet.markdown.text).not.toContain('@');
  });

  it('defaults atLevels to red and refuses a DingTalk contact whose `to` is not a mobile', () => {
    const base = {
      channels: { ding: { type: 'dingtalk' as const, url: 'http://127.0.0.1:1/robot/send?access_token=t' } },
      roster: { people: { zhang: { name: '张值班', contacts: [{ channel: 'ding', to: MOBILE }] } } },
    };
    const ok = notifySchema.parse(base);
    expect(ok.channels.ding).toMatchObject({ type: 'dingtalk', atLevels: ['red'] });
    expect(notifySchema.safeParse({ ...base, roster: { people: { zhang: { name: '张值班', contacts: [{ channel: 'ding', to: '+86-13800000001' }] } } } }).success).toBe(true);
    const bad = notifySchema.safeParse({ ...base, roster: { people: { zhang: { name: '张值班', contacts: [{ channel: 'ding', to: 'zhang@example.cn' }] } } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['roster.people.zhang.contacts.0.to', 'a DingTalk contact\'s `to` is the mobile number to @-mention (digits, optionally +country code), not "zhang@example.cn"'],
    ]);
  });
});
