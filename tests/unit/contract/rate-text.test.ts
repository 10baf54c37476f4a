// Golden texts of a rate-of-change alarm: its speed in the unit an officer reads for the quantity
// (a reservoir in m/h, a gas in %LEL/min or ppm/min, a temperature in °C/min), then the change
// within the rule's window that its set points compare, in both languages and in the message
// every channel sends. A row stored before alarms carried their speed keeps its old text.

import { describe, expect, it } from 'vitest';
import { alarmText, formatRate, type AlarmTextFacts } from '../../../gateway/src/contract/alarm-text.js';
import { renderMessage } from '../../../gateway/src/notify/message.js';

const H = 3600;
const gauge = { kind: 'rate' as const, device: 'gauge-01', channel: 'level', quantity: 'water_level_m' };
const gas = { kind: 'rate' as const, device: 'gas-01', channel: 'ch4', quantity: 'methane_lel' };

const GOLDEN: [string, AlarmTextFacts, { zh: [string, string, string]; en: [string, string, string] }][] = [
  [
    'a reservoir rising 0.35 m in the last 20 minutes of its hour window',
    { ...gauge, value: 0.35, peakValue: 0.42, rateWindowS: H, ratePerS: 1.05 / H, peakRatePerS: 1.26 / H },
    {
      zh: ['水位上升过快：水位计 gauge-01', '+1.05 m/h（60 分钟内上升 0.35 m）', '+1.26 m/h（60 分钟内上升 0.42 m）'],
      en: ['Water level rising fast: water-level gauge gauge-01', '+1.05 m/h (up 0.35 m within 60 min)', '+1.26 m/h (up 0.42 m within 60 min)'],
    },
  ],
  [
    'a reservoir falling',
    { ...gauge, value: -0.5, peakValue: -0.5, rateWindowS: 2 * H, ratePerS: -0.25 / H, peakRatePerS: -0.25 / H },
    {
      zh: ['水位下降过快：水位计 gauge-01', '−0.25 m/h（2 小时内下降 0.5 m）', '−0.25 m/h（2 小时内下降 0.5 m）'],
      en: ['Water level falling fast: water-level gauge gauge-01', '−0.25 m/h (down 0.5 m within 2 h)', '−0.25 m/h (down 0.5 m within 2 h)'],
    },
  ],
  [
    'a falling reservoir alarm cleared at no change is still a fall',
    { ...gauge, value: 0, peakValue: -0.5, rateWindowS: H, ratePerS: 0, peakRatePerS: -0.5 / H },
    {
      zh: ['水位下降过快：水位计 gauge-01', '0 m/h（60 分钟内下降 0 m）', '−0.5 m/h（60 分钟内下降 0.5 m）'],
      en: ['Water level falling fast: water-level gauge gauge-01', '0 m/h (down 0 m within 60 min)', '−0.5 m/h (down 0.5 m within 60 min)'],
    },
  ],
  [
    'methane up 6 %LEL in ten seconds of a one-minute window',
    { ...gas, value: 6, peakValue: 6, rateWindowS: 60, ratePerS: 0.6, peakRatePerS: 0.6 },
    {
      zh: ['甲烷上升过快：探测器 gas-01', '+36 %LEL/min（60 秒内上升 6 %LEL）', '+36 %LEL/min（60 秒内上升 6 %LEL）'],
      en: ['Methane rising fast: detector gas-01', '+36 %LEL/min (up 6 %LEL within 60 s)', '+36 %LEL/min (up 6 %LEL within 60 s)'],
    },
  ],
  [
    'carbon monoxide in ppm/min',
    { kind: 'rate', device: 'co-01', channel: 'co', quantity: 'co_ppm', value: 40, peakValue: 40, rateWindowS: 300, ratePerS: 40 / 240, peakRatePerS: 40 / 240 },
    {
      zh: ['一氧化碳上升过快：探测器 co-01', '+10 ppm/min（5 分钟内上升 40 ppm）', '+10 ppm/min（5 分钟内上升 40 ppm）'],
      en: ['Carbon monoxide rising fast: detector co-01', '+10 ppm/min (up 40 ppm within 5 min)', '+10 ppm/min (up 40 ppm within 5 min)'],
    },
  ],
  [
    'temperature in °C/min',
    { kind: 'rate', device: 'temp-01', channel: 't', quantity: 'temperature_c', value: 8, peakValue: 8, rateWindowS: 600, ratePerS: 8 / 600, peakRatePerS: 8 / 600 },
    {
      zh: ['温度上升过快：温度传感器 temp-01', '+0.8 °C/min（10 分钟内上升 8 °C）', '+0.8 °C/min（10 分钟内上升 8 °C）'],
      en: ['Temperature rising fast: temperature sensor temp-01', '+0.8 °C/min (up 8 °C within 10 min)', '+0.8 °C/min (up 8 °C within 10 min)'],
    },
  ],
  [
    'oxygen falling in %vol/min',
    { kind: 'rate', device: 'o2-01', channel: 'o2', quantity: 'o2_pct', value: -1.5, peakValue: -1.5, rateWindowS: 120, ratePerS: -1.5 / 90, peakRatePerS: -1.5 / 90 },
    {
      zh: ['氧气下降过快：探测器 o2-01', '−1 %vol/min（2 分钟内下降 1.5 %vol）', '−1 %vol/min（2 分钟内下降 1.5 %vol）'],
      en: ['Oxygen falling fast: detector o2-01', '−1 %vol/min (down 1.5 %vol within 2 min)', '−1 %vol/min (down 1.5 %vol within 2 min)'],
    },
  ],
  [
    'a row stored before alarms carried their speed',
    { ...gauge, value: 0.35, peakValue: 0.42, rateWindowS: null, ratePerS: null, peakRatePerS: null },
    {
      zh: ['水位上升过快：水位计 gauge-01', '+0.35 m（规则窗口内）', '+0.42 m（规则窗口内）'],
      en: ['Water level rising fast: water-level gauge gauge-01', "+0.35 m within the rule's window", "+0.42 m within the rule's window"],
    },
  ],
];

describe('rate alarm text', () => {
  it.each(GOLDEN)('%s', (_name, a, want) => {
    for (const lang of ['zh', 'en'] as const) {
      const t = alarmText(a, lang);
      expect([t.cause, t.value, t.peak]).toEqual(want[lang]);
    }
  });

  it('keeps three significant digits, so a slow rise does not read as no rise', () => {
    expect([formatRate(0.0042 / H, 'water_level_m'), formatRate(1234.5 / 60, 'co_ppm'), formatRate(0, 'methane_lel')]).toEqual(['+0.0042 m/h', '+1230 ppm/min', '0 %LEL/min']);
  });

  it('is what the DingTalk, WeCom, mail and webhook message says as the value', () => {
    const alarm = { id: 'a1', site: 'res-1', ...gauge, ruleId: 'reservoir-level-rise', level: 'orange' as const, value: 0.35, peakValue: 0.35, rateWindowS: H, ratePerS: 1.05 / H, peakRatePerS: 1.05 / H, raisedAtMs: Date.UTC(2026, 6, 1, 2) };
    for (const [language, line] of [['zh', '数值：+1.05 m/h（60 分钟内上升 0.35 m）'], ['en', 'Value: +1.05 m/h (up 0.35 m within 60 min)']] as const) {
      const m = renderMessage({ kind: 'raised', alarm, atMs: alarm.raisedAtMs, siteName: '东湖水库', timeZone: 'Asia/Shanghai', publicUrl: 'https://sb.example', language });
      expect(m.text.split('\n')).toContain(line);
      expect(m.markdown).toContain(line.replace(/^(数值|Value)/, '**$1**'));
      expect(m.html).toContain('+1.05 m/h');
    }
  });
});
