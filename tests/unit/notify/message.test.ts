// What the officer reads: Chinese by default, level in colour words, value with unit, local
// time of the site, and a link to the alarm on the page.

import { describe, expect, it } from 'vitest';
import { alarmLink, formatValue, renderMessage, type NoticeInput } from '../../../gateway/src/notify/message.js';

const base: NoticeInput = {
  kind: 'raised',
  alarm: { id: 'a1b2', site: 'kitchen-01', device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', level: 'red', value: 62.456, raisedAtMs: Date.parse('2026-11-23T08:40:00Z') },
  atMs: Date.parse('2026-11-23T08:40:00Z'),
  siteName: '示范餐馆后厨',
  timeZone: 'Asia/Shanghai',
  publicUrl: 'https://shaobing.example.cn/',
  language: 'zh',
};

describe('notification message', () => {
  it('says site, device, quantity, value with unit, colour level, local time and link in Chinese', () => {
    const m = renderMessage(base);
    expect(m.title).toBe('【红色预警】示范餐馆后厨 甲烷报警');
    expect(m.text).toContain('场所：示范餐馆后厨 (kitchen-01)');
    expect(m.text).toContain('设备：gas-01 / ch4');
    expect(m.text).toContain('数值：62.46 %LEL');
    expect(m.text).toContain('级别：红色预警');
    expect(m.text).toContain('时间：2026-11-23 16:40:00 (Asia/Shanghai)');
    expect(m.link).toBe('https://shaobing.example.cn/#/alarms/a1b2');
    expect(m.markdown).toContain('[查看告警](https://shaobing.example.cn/#/alarms/a1b2)');
    expect(m.html).toContain('<a href="https://shaobing.example.cn/#/alarms/a1b2">');
  });

  it('names the tier and the minutes waited when an alarm climbs', () => {
    const m = renderMessage({ ...base, kind: 'escalation', tier: 'leader', atMs: base.atMs + 120_000 });
    expect(m.title).toBe('【逐级上报·值班长】示范餐馆后厨 甲烷红色预警 2 分钟未确认');
    expect(m.text).toContain('通知层级：值班长');
  });

  it('says the earlier level when an alarm rises and the level when it clears', () => {
    expect(renderMessage({ ...base, kind: 'escalated', fromLevel: 'yellow' }).title).toBe('【红色预警】示范餐馆后厨 甲烷报警升级（原黄色预警）');
    expect(renderMessage({ ...base, kind: 'cleared' }).title).toBe('【已解除】示范餐馆后厨 甲烷报警（红色预警）');
  });

  it('writes English when asked', () => {
    const m = renderMessage({ ...base, language: 'en', alarm: { ...base.alarm, level: 'orange', quantity: 'co_ppm', value: 150 } });
    expect(m.title).toBe('[Orange warning] 示范餐馆后厨: Carbon monoxide alarm');
    expect(m.text).toContain('Value: 150 ppm');
  });

  it('escapes HTML from names and keeps unknown quantities readable', () => {
    const m = renderMessage({ ...base, siteName: '<b>x</b>', alarm: { ...base.alarm, quantity: '_device', value: 1 } });
    expect(m.html).not.toContain('<b>x</b>');
    expect(m.html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(m.text).toContain('数值：1');
  });

  it('formats values without noise and links without double slashes', () => {
    expect(formatValue(3, '%LEL')).toBe('3 %LEL');
    expect(formatValue(0.125, 'm')).toBe('0.13 m');
    expect(alarmLink('http://h:8080//', 'x y')).toBe('http://h:8080/#/alarms/x%20y');
  });
});
