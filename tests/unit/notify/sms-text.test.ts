// An SMS says what happened, not only the level: the alarm's cause between its title and link,
// dropped before the link when the message would be too long.

import { describe, expect, it } from 'vitest';
import { smsText } from '../../../gateway/src/notify/channels/sms.js';

const m = { title: '【黄色预警】示范餐馆后厨 数据中断', link: 'https://s.example.cn/#/alarms/a1', data: { cause: '数据中断：甲烷探测器 gas-01 已 112 秒未上报' } };

describe('SMS text', () => {
  it('says the cause between the title and the link', () => {
    expect(smsText(m, 200)).toBe('【黄色预警】示范餐馆后厨 数据中断 数据中断：甲烷探测器 gas-01 已 112 秒未上报 https://s.example.cn/#/alarms/a1');
  });

  it('drops the cause before the link when it would not fit', () => {
    expect(smsText(m, 60)).toBe('【黄色预警】示范餐馆后厨 数据中断 https://s.example.cn/#/alarms/a1');
  });

  it('keeps title and link for a message without a cause (the daily briefing)', () => {
    expect(smsText({ ...m, data: {} }, 200)).toBe('【黄色预警】示范餐馆后厨 数据中断 https://s.example.cn/#/alarms/a1');
  });
});
