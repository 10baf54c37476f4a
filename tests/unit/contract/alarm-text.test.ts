// Golden texts: each alarm kind in each language, as every channel, the briefing and the API say
// it. A silent detector is told as silence in seconds or minutes, never with a gas unit.

import { describe, expect, it } from 'vitest';
import { ALARM_KINDS, type AlarmKind } from '../../../gateway/src/contract/alarm-kind.js';
import { alarmText, alarmTexts, formatDuration, type AlarmTextFacts } from '../../../gateway/src/contract/alarm-text.js';

const base = { device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', value: 64, peakValue: 70 };
const facts = (kind: AlarmKind, over: Partial<AlarmTextFacts> = {}): AlarmTextFacts => ({ kind, ...base, ...over });

const GOLDEN: [string, AlarmTextFacts, { zh: [string, string | null, string | null]; en: [string, string | null, string | null] }][] = [
  ['threshold', facts('threshold'), { zh: ['甲烷报警：探测器 gas-01', '64 %LEL', '70 %LEL'], en: ['Methane alarm: detector gas-01', '64 %LEL', '70 %LEL'] }],
  ['threshold on water level', facts('threshold', { device: 'gauge-01', channel: 'level', quantity: 'water_level_m', value: 124.31, peakValue: 124.8 }), { zh: ['水位报警：水位计 gauge-01', '124.31 m', '124.8 m'], en: ['Water level alarm: water-level gauge gauge-01', '124.31 m', '124.8 m'] }],
  ['rate', facts('rate', { device: 'gauge-01', channel: 'level', quantity: 'water_level_m', value: 0.35, peakValue: 0.42 }), { zh: ['水位上升过快：水位计 gauge-01', '+0.35 m（规则窗口内）', '+0.42 m（规则窗口内）'], en: ['Water level rising fast: water-level gauge gauge-01', "+0.35 m within the rule's window", "+0.42 m within the rule's window"] }],
  ['rate falling', facts('rate', { device: 'gauge-01', channel: 'level', quantity: 'water_level_m', value: -0.5, peakValue: -0.5 }), { zh: ['水位下降过快：水位计 gauge-01', '−0.5 m（规则窗口内）', '−0.5 m（规则窗口内）'], en: ['Water level falling fast: water-level gauge gauge-01', "−0.5 m within the rule's window", "−0.5 m within the rule's window"] }],
  ['rate of methane', facts('rate', { value: 6, peakValue: 6 }), { zh: ['甲烷上升过快：探测器 gas-01', '+6 %LEL（规则窗口内）', '+6 %LEL（规则窗口内）'], en: ['Methane rising fast: detector gas-01', "+6 %LEL within the rule's window", "+6 %LEL within the rule's window"] }],
  ['dose', facts('dose', { device: 'co-01', channel: 'co', quantity: 'co_ppm', value: 0.85, peakValue: 1.2 }), { zh: ['一氧化碳累计暴露报警：探测器 co-01', '报警剂量的 85%', '报警剂量的 120%'], en: ['Carbon monoxide exposure alarm: detector co-01', '85 % of the alarm dose', '120 % of the alarm dose'] }],
  ['stale', facts('stale', { value: 112.4, peakValue: 112.4 }), { zh: ['数据中断：甲烷探测器 gas-01 已 112 秒未上报', '112 秒', null], en: ['No data: methane detector gas-01 silent for 112 s', '112 s', null] }],
  ['stale of an oxygen channel for minutes', facts('stale', { quantity: 'o2_pct', channel: 'o2', value: 600, peakValue: 600 }), { zh: ['数据中断：氧气探测器 gas-01 已 10 分钟未上报', '10 分钟', null], en: ['No data: oxygen detector gas-01 silent for 10 min', '10 min', null] }],
  ['offline', facts('offline', { channel: '_device', value: 0, peakValue: 0 }), { zh: ['设备离线：甲烷探测器 gas-01', null, null], en: ['Device offline: methane detector gas-01', null, null] }],
  ['fault_range', facts('fault_range', { value: 120, peakValue: 120 }), { zh: ['传感器故障：读数超出量程（甲烷探测器 gas-01）', '120 %LEL', null], en: ['Sensor fault: reading out of range (methane detector gas-01)', '120 %LEL', null] }],
  ['fault_stuck', facts('fault_stuck', { value: 12, peakValue: 12 }), { zh: ['传感器故障：读数长时间不变（甲烷探测器 gas-01）', '12 %LEL', null], en: ['Sensor fault: reading stuck (methane detector gas-01)', '12 %LEL', null] }],
  ['fault_device', facts('fault_device', { channel: '_device', value: 2, peakValue: 2 }), { zh: ['设备故障：甲烷探测器 gas-01 上报故障码', '2 个故障码', null], en: ['Device fault: methane detector gas-01 reports fault codes', '2 fault codes', null] }],
  ['actuator_unconfirmed valve', facts('actuator_unconfirmed', { device: 'valve-01', channel: '_device', quantity: 'valve', value: 6, peakValue: 6 }), { zh: ['阀门 valve-01 未确认关闭（已重试 5 次）', '已发送 6 次', null], en: ['Valve valve-01 has not confirmed closed (5 retries)', '6 sends', null] }],
  ['actuator_unconfirmed fan refused at once', facts('actuator_unconfirmed', { device: 'fan-01', channel: '_device', quantity: 'fan', value: 1, peakValue: 1 }), { zh: ['风机 fan-01 未确认启动', '已发送 1 次', null], en: ['Fan fan-01 has not confirmed started', '1 send', null] }],
  ['actuator_position', facts('actuator_position', { device: 'valve-01', channel: '_device', quantity: 'valve', value: 1, peakValue: 1 }), { zh: ['阀门 valve-01 已应答，但位置反馈未关闭', null, null], en: ['Valve valve-01 acknowledged but does not read back closed', null, null] }],
  ['gateway notify_failed', facts('gateway', { device: 'notify-dead-hook', channel: 'notify_failed', quantity: 'system', value: 2, peakValue: 2 }), { zh: ['网关告警：通知发送失败（notify-dead-hook）', '2 次尝试', null], en: ['Gateway alarm: notification failed (notify-dead-hook)', '2 attempts', null] }],
  ['gateway disk_full', facts('gateway', { device: 'journal', channel: 'disk_full', quantity: 'system', value: 3000, peakValue: 3000 }), { zh: ['网关告警：数据盘已满，读数暂存待写入（journal）', '3000 条读数', null], en: ['Gateway alarm: disk full, readings held (journal)', '3000 readings', null] }],
  ['flood', facts('flood', { device: '_site', channel: '_site', quantity: 'alarm_count', value: 12, peakValue: 12 }), { zh: ['报警泛滥：本场所短时间内报警过多，已合并通知', '12 条报警', null], en: ['Alarm flood: too many alarms at this site at once, notified as one', '12 alarms', null] }],
];

describe('alarm text per kind and language', () => {
  it.each(GOLDEN)('%s', (_name, a, want) => {
    for (const lang of ['zh', 'en'] as const) {
      const t = alarmText(a, lang);
      expect([t.cause, t.value, t.peak]).toEqual(want[lang]);
    }
  });

  it('has a golden text for every kind of the contract', () => {
    expect(new Set(GOLDEN.map(([, a]) => a.kind))).toEqual(new Set(ALARM_KINDS));
  });

  it('never gives a gas unit to an alarm that is not a reading', () => {
    for (const kind of ['stale', 'offline', 'fault_device', 'actuator_unconfirmed', 'actuator_position', 'gateway', 'flood'] as const) {
      const { zh, en } = alarmTexts(facts(kind, { value: 112.81, peakValue: 100.21 }));
      expect(JSON.stringify({ zh, en })).not.toMatch(/%LEL|ppm|%vol/);
    }
  });

  it('says durations as a person does', () => {
    expect([formatDuration(59.6, 'zh'), formatDuration(119, 'en'), formatDuration(120, 'zh'), formatDuration(9000, 'zh'), formatDuration(9000, 'en')]).toEqual(['60 秒', '119 s', '2 分钟', '2.5 小时', '2.5 h']);
  });
});
