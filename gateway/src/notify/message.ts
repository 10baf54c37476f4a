// What an officer reads: one alarm step rendered as title, plain text, markdown and HTML, in
// Chinese by default. Pure: the alarm, the site and the wording options in, text out. What the
// alarm is and its value come from the one text per alarm kind (contract/alarm-text.ts).

import type { Level } from '../contract/levels.js';
import type { Tier } from '../config/notify-schema.js';
import { QUANTITY_INFO, type Quantity } from '../config/quantities.js';
import { isReadingKind, SYSTEM_SITE, type AlarmKind } from '../contract/alarm-kind.js';
import { alarmText, withKind, type AlarmText, type Language } from '../contract/alarm-text.js';
import { formatLocal } from './local-time.js';
import { escapeHtml } from './html.js';
import type { StopWorkNotice } from './suppression.js';

export type { Language };
export type NoticeKind = 'raised' | 'escalated' | 'cleared' | 'escalation' | 'reminder';

export interface AlarmFacts {
  id: string;
  site: string;
  device: string;
  channel: string;
  quantity: string;
  /** What the alarm is; without it, what its rule id names (a configured rule: threshold). */
  kind?: AlarmKind;
  ruleId?: string;
  level: Level;
  value: number;
  /** The episode's worst value (defaults to `value`). */
  peakValue?: number;
  /** A rate alarm's window and speed (lifecycle.ts): its value is then said as m/h or %LEL/min. */
  rateWindowS?: number | null;
  ratePerS?: number | null;
  peakRatePerS?: number | null;
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
  /** The stop-work order this red step issues (raised or risen to red): the title and a row say it. */
  stopWork?: StopWorkNotice;
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
  zh: { stopWork: '停产停工令', cause: '情况', site: '场所', device: '设备', quantity: '监测量', value: '数值', level: '级别', time: '时间', raisedAt: '发生时间', link: '查看告警', tier: '通知层级' },
  en: { stopWork: 'Stop-work order', cause: 'What', site: 'Site', device: 'Device', quantity: 'Quantity', value: 'Value', level: 'Level', time: 'Time', raisedAt: 'Raised', link: 'Open alarm', tier: 'Tier' },
} as const;

function quantityName(quantity: string, lang: Language): string {
  const info = (QUANTITY_INFO as Record<string, (typeof QUANTITY_INFO)[Quantity] | undefined>)[quantity];
  return info && lang === 'zh' ? info.zh : quantity;
}

/** Two decimals at most, no trailing zeros: 62, 62.5, 0.13. */
export function formatValue(value: number, unit: string): string {
  const n = Number.isFinite(value) ? String(Number(value.toFixed(2))) : String(value);
  return unit ? `${n} ${unit}` : n;
}

export function alarmLink(publicUrl: string, alarmId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/#/alarms/${encodeURIComponent(alarmId)}`;
}

/** The title: the level, the site and what happened (`甲烷报警`, `数据中断`, `阀门未确认关闭`). */
function headline(input: NoticeInput, said: AlarmText, reading: boolean): string {
  const { language: lang, alarm } = input;
  const subject = said.subject;
  // A reading's reminder names the quantity and the level (甲烷红色预警); anything else its subject.
  const named = reading ? subject.replace(lang === 'zh' ? /报警$/ : / alarm$/, '') : `${subject}${lang === 'zh' ? '' : ':'}`;
  const level = LEVEL_WORDS[lang][alarm.level];
  const minutes = Math.max(0, Math.round((input.atMs - alarm.raisedAtMs) / 60_000));
  const tier = input.tier ? TIER_WORDS[lang][input.tier] : '';
  if (lang === 'zh') {
    switch (input.kind) {
      case 'raised':
        return `【${level}】${input.siteName} ${subject}`;
      case 'escalated':
        return `【${level}】${input.siteName} ${subject}升级${input.fromLevel ? `（原${LEVEL_WORDS.zh[input.fromLevel]}）` : ''}`;
      case 'cleared':
        return `【已解除】${input.siteName} ${subject}（${level}）`;
      case 'escalation':
        return `【逐级上报·${tier}】${input.siteName} ${named}${level} ${minutes} 分钟未确认`;
      case 'reminder':
        return `【提醒】${input.siteName} ${named}${level}尚未确认（已 ${minutes} 分钟）`;
    }
  }
  switch (input.kind) {
    case 'raised':
      return `[${level}] ${input.siteName}: ${subject}`;
    case 'escalated':
      return `[${level}] ${input.siteName}: ${subject} rose${input.fromLevel ? ` from ${LEVEL_WORDS.en[input.fromLevel]}` : ''}`;
    case 'cleared':
      return `[Cleared] ${input.siteName}: ${subject} (${level})`;
    case 'escalation':
      return `[Escalated to ${tier}] ${input.siteName}: ${named} ${level} unacknowledged for ${minutes} min`;
    case 'reminder':
      return `[Reminder] ${input.siteName}: ${named} ${level} still unacknowledged (${minutes} min)`;
  }
}

/** `已下达；阀门 valve-01 已下令关闭，风机 fan-01 已下令启动，等待确认`: what the order commanded
 * (the order's own notices follow with what each actuator confirmed). */
function stopWorkLine(s: StopWorkNotice, lang: Language): string {
  const zh = lang === 'zh';
  const said = s.actuators.map((a) =>
    a.action === 'fan_on' ? (zh ? `风机 ${a.device} 已下令启动` : `fan ${a.device} ordered started`) : zh ? `阀门 ${a.device} 已下令关闭` : `valve ${a.device} ordered closed`,
  );
  if (s.alreadyInForce) return zh ? '本场所停产停工令执行中（此前已下达）' : 'already in force at this site';
  if (said.length === 0) return zh ? '已下达；本场所未配置联锁设备，请人工关断气源' : 'issued; no actuator configured at this site: shut the gas off by hand';
  return zh ? `已下达；${said.join('，')}，等待确认` : `issued; ${said.join(', ')}, awaiting confirmation`;
}

/** The title's tail for a red step that stops work: the most read line says it first. */
function stopWorkTitle(s: StopWorkNotice, lang: Language): string {
  if (lang === 'zh') return s.alreadyInForce ? '，停产停工令执行中' : '，已下达停产停工令';
  return s.alreadyInForce ? ', stop-work order in force' : ', stop-work order issued';
}

/**
 * `gas-01 / ch4` for a reading; the device alone for a device-level alarm (channel `_device`) and
 * the failing part alone for a gateway alarm: the reserved names are not words for a person.
 */
function deviceLine(alarm: AlarmFacts): string {
  return alarm.channel.startsWith('_') || alarm.site === SYSTEM_SITE ? alarm.device : `${alarm.device} / ${alarm.channel}`;
}

/**
 * A silence goes on while its alarm waits: the stored value is the silence when it was raised, so
 * a reminder or escalation 30 min later says the silence at its own time, not "已 21 秒未上报".
 */
function silenceAt<T extends AlarmFacts & { kind: AlarmKind }>(facts: T, input: NoticeInput): T {
  if (facts.kind !== 'stale' || (input.kind !== 'escalation' && input.kind !== 'reminder')) return facts;
  return { ...facts, value: facts.value + Math.max(0, (input.atMs - facts.raisedAtMs) / 1000) };
}

export function renderMessage(input: NoticeInput): Message {
  const { alarm, language: lang } = input;
  const facts = silenceAt(withKind({ ...alarm, peakValue: alarm.peakValue ?? alarm.value }), input);
  const said = alarmText(facts, lang);
  const reading = isReadingKind(facts.kind);
  const labels = LABELS[lang];
  const stopWork = input.stopWork && (input.kind === 'raised' || input.kind === 'escalated') ? input.stopWork : undefined;
  const title = `${headline(input, said, reading)}${stopWork ? stopWorkTitle(stopWork, lang) : ''}`;
  const link = alarmLink(input.publicUrl, alarm.id);
  const rows: [string, string][] = [
    [labels.cause, said.cause],
    ...(stopWork ? [[labels.stopWork, stopWorkLine(stopWork, lang)] as [string, string]] : []),
    [labels.site, alarm.site === SYSTEM_SITE ? input.siteName : `${input.siteName} (${alarm.site})`],
    [labels.device, deviceLine(alarm)],
    ...(reading ? [[labels.quantity, quantityName(alarm.quantity, lang)] as [string, string]] : []),
    ...(said.value !== null ? [[labels.value, said.value] as [string, string]] : []),
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
