// A device-level or gateway alarm is told without the reserved names the gateway files it under
// (`_device`, `_gateway`, the condition code): DingTalk showed `设备：gas-01 / _device`. And a
// silence told by a reminder is the silence at the reminder, not the one the alarm was raised with.

import { describe, expect, it } from 'vitest';
import { renderMessage, type NoticeInput } from '../../../gateway/src/notify/message.js';

const at = Date.parse('2026-12-07T23:14:17Z');
const base: NoticeInput = {
  kind: 'raised',
  alarm: { id: 'a1', site: 'kitchen-02', device: 'gas-01', channel: '_device', quantity: 'methane_lel', kind: 'offline', ruleId: 'offline', level: 'yellow', value: 0, raisedAtMs: at },
  atMs: at,
  siteName: '川味馆 后厨',
  timeZone: 'Asia/Shanghai',
  publicUrl: 'http://127.0.0.1:8080',
  language: 'zh',
};

function rendered(input: NoticeInput): string {
  const m = renderMessage(input);
  return [m.title, m.text, m.markdown, m.html].join('\n');
}

describe('reserved names in notifications', () => {
  it('names only the device of a last-will offline alarm', () => {
    const m = renderMessage(base);
    expect(m.text).toContain('设备：gas-01\n');
    expect(rendered(base)).not.toContain('_device');
  });

  it('names only the valve of an unconfirmed close, in both languages', () => {
    const valve: NoticeInput = { ...base, alarm: { ...base.alarm, device: 'valve-01', quantity: 'valve', kind: 'actuator_unconfirmed', ruleId: 'actuator:unconfirmed', level: 'red', value: 3 } };
    expect(renderMessage(valve).text).toContain('设备：valve-01\n');
    expect(rendered(valve)).not.toContain('_device');
    expect(rendered({ ...valve, language: 'en' })).not.toContain('_device');
    expect(renderMessage({ ...valve, language: 'en' }).text).toContain('Device: valve-01\n');
  });

  it('tells a gateway alarm by its failing part, without _gateway or the condition code', () => {
    const gw: NoticeInput = {
      ...base,
      siteName: '哨兵网关',
      alarm: { ...base.alarm, site: '_gateway', device: 'ops-hook', channel: 'notify_failed', quantity: 'system', kind: 'gateway', ruleId: 'system:notify_failed', level: 'orange', value: 2 },
    };
    const text = rendered(gw);
    expect(renderMessage(gw).text).toContain('场所：哨兵网关\n');
    expect(renderMessage(gw).text).toContain('设备：ops-hook\n');
    expect(renderMessage(gw).text).toContain('通知发送失败');
    expect(text).not.toContain('_gateway');
    expect(text).not.toContain('notify_failed');
  });

  it('still names the channel of a reading alarm', () => {
    const gas: NoticeInput = { ...base, alarm: { ...base.alarm, channel: 'ch4', kind: 'threshold', ruleId: 'kitchen-methane', level: 'red', value: 60 } };
    expect(renderMessage(gas).text).toContain('设备：gas-01 / ch4');
  });
});

describe('a silence told later', () => {
  const stale: NoticeInput = { ...base, alarm: { ...base.alarm, channel: 'ch4', kind: 'stale', ruleId: 'stale', value: 21 } };

  it('says the silence at the reminder, not the 21 s it had been when the alarm was raised', () => {
    const m = renderMessage({ ...stale, kind: 'reminder', tier: 'duty', atMs: at + 30 * 60_000 });
    expect(m.text).toContain('数据中断：甲烷探测器 gas-01 已 30 分钟未上报');
    expect(m.text).not.toContain('21 秒');
  });

  it('says the silence at an escalation step in English too', () => {
    const m = renderMessage({ ...stale, kind: 'escalation', tier: 'leader', language: 'en', atMs: at + 99_000 });
    expect(m.text).toContain('silent for 2 min');
  });

  it('keeps the silence it was raised with on the raised notice', () => {
    expect(renderMessage(stale).text).toContain('已 21 秒未上报');
  });
});
