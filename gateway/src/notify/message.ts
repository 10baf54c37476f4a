// What an officer reads: one alarm step rendered as title, plain text, markdown and HTML, in
// Chinese by default. Pure: the alarm, the site and the wording options in, text out.

import type { Level } from '../contract/levels.js';
import type { Tier } from '../config/notify-schema.js';
import { QUANTITY_INFO, type Quantity } from '../config/quantities.js';
import { formatLocal } from './local-time.js';

export type Language = 'zh' | 'en';
export type NoticeKind = 'raised' | 'escalated' | 'cleared' | 'escalation' | 'reminder';

export interface AlarmFacts {
  id: string;
  site: string;
  device: string;
  channel: string;
  quantity: string;
  level: Level;
  value: number;
  raisedAtMs: number;
}

export interface NoticeInput {
  kind: NoticeKind;
  alarm: AlarmFacts;
  /** The level before a rise (escalated). */
  fromLevel?: Level | null;
  /** The tier reached (escalation) or reminded (reminder). */
  tier?: Tier;
  atMs: number;
  siteName: string;
  timeZone: string;
  publicUrl: string;
  language: Language;
}

/** Rendered once, stored in the outbox, sent as is: the text says what was true at the step. */
export interface Message {
  title: string;
  text: string;
  markdown: string;
  html: string;
  link: string;
}

export const LEVEL_WORDS: Record<Language, Record<Level, string>> = {
  zh: { blue: '蓝色预警', yellow: '黄色预警', orange: '橙色预警', red: '红色预警' },
  en: { blue: 'Blue warning', yellow: 'Yellow warning', orange: 'Orange warning', red: 'Red warning' },
};

const TIER_WORDS: Record<Language, Record<Tier, string>> = {
  zh: { duty: '值班员', leader: '值班长', onCall: '带班领导' },
  en: { duty: 'duty officer', leader: 'shift leader', onCall: 'leader on call' },
};

const LABELS = {
  zh: { site: '场所', device: '设备', quantity: '监测量', value: '数值', level: '级别', time: '时间', raisedAt: '发生时间', link: '查看告警', tier: '通知层级' },
  en: { site: 'Site', device: 'Device', quantity: 'Quantity', value: 'Value', level: 'Level', time: 'Time', raisedAt: 'Raised', link: 'Open alarm', tier: 'Tier' },
} as const;

/** Alarms that no sensor raised: the gateway's own (alarms/system-alarms.ts) and a site's flood. */
const NOT_MEASURED: Record<string, Record<Language, string>> = {
  system: { zh: '网关自检', en: 'gateway self-check' },
  alarm_count: { zh: '报警数量', en: 'alarm count' },
};

function quantityInfo(quantity: string): { name: Record<Language, string>; unit: string } {
  const info = (QUANTITY_INFO as Record<string, (typeof QUANTITY_INFO)[Quantity] | undefined>)[quantity];
  if (info) return { name: { zh: info.zh, en: quantity }, unit: info.unit };
  return { name: NOT_MEASURED[quantity] ?? { zh: quantity, en: quantity }, unit: '' };
}

/** Two decimals at most, no trailing zeros: 62, 62.5, 0.13. */
export function formatValue(value: number, unit: string): string {
  const n = Number.isFinite(value) ? String(Number(value.toFixed(2))) : String(value);
  return unit ? `${n} ${unit}` : n;
}

export function alarmLink(publicUrl: string, alarmId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/#/alarms/${encodeURIComponent(alarmId)}`;
}

function headline(input: NoticeInput, quantityName: string): string {
  const { language: lang, alarm } = input;
  const level = LEVEL_WORDS[lang][alarm.level];
  const minutes = Math.max(0, Math.round((input.atMs - alarm.raisedAtMs) / 60_000));
  const tier = input.tier ? TIER_WORDS[lang][input.tier] : '';
  if (lang === 'zh') {
    switch (input.kind) {
      case 'raised':
        return `【${level}】${input.siteName} ${quantityName}报警`;
      case 'escalated':
        return `【${level}】${input.siteName} ${quantityName}报警升级${input.fromLevel ? `（原${LEVEL_WORDS.zh[input.fromLevel]}）` : ''}`;
      case 'cleared':
        return `【已解除】${input.siteName} ${quantityName}报警（${level}）`;
      case 'escalation':
        return `【逐级上报·${tier}】${input.siteName} ${quantityName}${level} ${minutes} 分钟未确认`;
      case 'reminder':
        return `【提醒】${input.siteName} ${quantityName}${level}尚未确认（已 ${minutes} 分钟）`;
    }
  }
  switch (input.kind) {
    case 'raised':
      return `[${level}] ${input.siteName}: ${quantityName} alarm`;
    case 'escalated':
      return `[${level}] ${input.siteName}: ${quantityName} alarm rose${input.fromLevel ? ` from ${LEVEL_WORDS.en[input.fromLevel]}` : ''}`;
    case 'cleared':
      return `[Cleared] ${input.siteName}: ${quantityName} alarm (${level})`;
    case 'escalation':
      return `[Escalated to ${tier}] ${input.siteName}: ${quantityName} ${level} unacknowledged for ${minutes} min`;
    case 'reminder':
      return `[Reminder] ${input.siteName}: ${quantityName} ${level} still unacknowledged (${minutes} min)`;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderMessage(input: NoticeInput): Message {
  const { alarm, language: lang } = input;
  const q = quantityInfo(alarm.quantity);
  const labels = LABELS[lang];
  const title = headline(input, q.name[lang]);
  const link = alarmLink(input.publicUrl, alarm.id);
  const rows: [string, string][] = [
    [labels.site, `${input.siteName} (${alarm.site})`],
    [labels.device, `${alarm.device} / ${alarm.channel}`],
    [labels.quantity, q.name[lang]],
    [labels.value, formatValue(alarm.value, q.unit)],
    [labels.level, LEVEL_WORDS[lang][alarm.level]],
    [labels.time, `${formatLocal(input.atMs, input.timeZone)} (${input.timeZone})`],
  ];
  if (input.kind !== 'raised') rows.push([labels.raisedAt, formatLocal(alarm.raisedAtMs, input.timeZone)]);
  if (input.tier) rows.push([labels.tier, TIER_WORDS[lang][input.tier]]);
  const sep = lang === 'zh' ? '：' : ': ';
  const text = [title, ...rows.map(([k, v]) => `${k}${sep}${v}`), `${labels.link}${sep}${link}`].join('\n');
  const markdown = [`### ${title}`, '', ...rows.map(([k, v]) => `- **${k}**${sep}${v}`), '', `[${labels.link}](${link})`].join('\n');
  const html = [
    `<h3>${escapeHtml(title)}</h3>`,
    '<table>',
    ...rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    `<p><a href="${escapeHtml(link)}">${escapeHtml(labels.link)}</a></p>`,
  ].join('\n');
  return { title, text, markdown, html, link };
}
