// The broker certificate's expiry alarm (gateway/src/parts/tls-expiry.ts): the window, the days
// left it carries, and its golden text in both languages.

import { describe, expect, it } from 'vitest';
import { tlsExpiry, TLS_EXPIRY_ALARM_DAYS } from '../../../gateway/src/parts/tls-expiry.js';
import { alarmText } from '../../../gateway/src/contract/alarm-text.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 8);

describe('tlsExpiry', () => {
  it.each([
    ['a year left', 365 * DAY, { daysLeft: 365, alarm: false }],
    ['exactly 14 days left', TLS_EXPIRY_ALARM_DAYS * DAY, { daysLeft: 14, alarm: false }],
    ['one hour less than 14 days', TLS_EXPIRY_ALARM_DAYS * DAY - 3_600_000, { daysLeft: 13, alarm: true }],
    ['half a day left', DAY / 2, { daysLeft: 0, alarm: true }],
    ['expired yesterday', -DAY, { daysLeft: 0, alarm: true }],
  ] as const)('%s', (_what, leftMs, want) => {
    expect(tlsExpiry(NOW + leftMs, NOW)).toEqual(want);
  });
});

describe('tls_cert_expiring alarm text', () => {
  it('names the part and the days left in both languages', () => {
    const facts = { kind: 'gateway', device: 'mqtt-tls', channel: 'tls_cert_expiring', quantity: 'system', value: 3, peakValue: 3 } as const;
    expect([alarmText(facts, 'zh').cause, alarmText(facts, 'zh').value]).toEqual(['网关告警：设备接入 TLS 证书即将过期或已过期，请更换（mqtt-tls）', '3 天后过期']);
    expect([alarmText(facts, 'en').cause, alarmText(facts, 'en').value]).toEqual(['Gateway alarm: device TLS certificate expiring or expired, replace it (mqtt-tls)', '3 days left']);
  });
});
