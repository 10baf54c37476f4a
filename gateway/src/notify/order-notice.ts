// The rest of a red alarm's story, told to those who heard of the alarm: the stop-work order it
// issued (停产停工令) with each actuator's state, then the interlock's outcome (every actuator
// confirmed its safe state, or one did not). Pure: the order and the alarm in, the message out.

import type { Action } from '../contract/command.js';
import { alarmText, type AlarmTextFacts, type Language } from '../contract/alarm-text.js';
import type { OrderCommand } from '../orders/stop-work.js';
import { alarmLink, type Message } from './message.js';
import { formatLocal } from './local-time.js';
import { escapeHtml } from './html.js';

/** The order steps that are notification steps of their red alarm. */
export type OrderNoticeKind = 'order_issued' | 'order_confirmed' | 'order_unconfirmed';

export interface OrderNoticeInput {
  kind: OrderNoticeKind;
  order: { id: string; reason: string; alarmId: string; commands: readonly OrderCommand[] };
  /** The actuator that did not confirm (order_unconfirmed). */
  command?: OrderCommand;
  /** The red alarm that issued the order, when it is still on record. */
  alarm?: AlarmTextFacts;
  atMs: number;
  siteName: string;
  timeZone: string;
  publicUrl: string;
  language: Language;
}

/** Where one actuator stands in the interlock, for machine receivers. */
export type InterlockState = 'commanded' | 'confirmed' | 'unconfirmed' | 'refused' | 'position_wrong';

export function interlockState(c: OrderCommand): InterlockState {
  if (c.state === 'acked') return c.readBack === 'not_reported' || c.readBack === 'matched' ? 'confirmed' : c.readBack === 'mismatch' ? 'position_wrong' : 'commanded';
  if (c.state === 'failed') return 'refused';
  if (c.state === 'unconfirmed') return 'unconfirmed';
  return 'commanded';
}

function actuatorWords(action: Action, lang: Language): { name: string; act: string; command: string } {
  if (action === 'fan_on') return lang === 'zh' ? { name: '风机', act: '启动', command: '启动指令' } : { name: 'Fan', act: 'started', command: 'start command' };
  return lang === 'zh' ? { name: '阀门', act: '关闭', command: '关闭指令' } : { name: 'Valve', act: 'closed', command: 'close command' };
}

/** One line per actuator: `阀门 valve-01：已确认关闭`. */
export function interlockLine(c: OrderCommand, lang: Language): string {
  const { name, act, command } = actuatorWords(c.action, lang);
  const retries = c.attempts - 1;
  const state = interlockState(c);
  if (lang === 'zh') {
    const said: Record<InterlockState, string> = {
      commanded: `${command}已发送（第 ${c.attempts} 次），等待确认`,
      confirmed: `已确认${act}`,
      unconfirmed: `未确认${act}${retries > 0 ? `（已重试 ${retries} 次）` : ''}`,
      refused: `拒绝执行${c.result ? `（${c.result}）` : ''}`,
      position_wrong: `已应答，但位置反馈未${act}`,
    };
    return `${name} ${c.device}：${said[state]}`;
  }
  const said: Record<InterlockState, string> = {
    commanded: `${command} sent (attempt ${c.attempts}), awaiting confirmation`,
    confirmed: `confirmed ${act}`,
    unconfirmed: `not confirmed ${act}${retries > 0 ? ` (${retries} ${retries === 1 ? 'retry' : 'retries'})` : ''}`,
    refused: `refused${c.result ? ` (${c.result})` : ''}`,
    position_wrong: `acknowledged but does not read back ${act}`,
  };
  return `${name} ${c.device}: ${said[state]}`;
}

function headline(input: OrderNoticeInput): string {
  const { language: lang, siteName } = input;
  const failed = input.command ? interlockLine(input.command, lang) : '';
  // No actuator at the site: nothing acts and nothing can confirm; people must act by hand.
  const byHand = input.order.commands.length === 0;
  if (lang === 'zh') {
    switch (input.kind) {
      case 'order_issued':
        return byHand ? `【停产停工令】${siteName} 已下达，无联锁设备，须人工处置` : `【停产停工令】${siteName} 已下达，联锁动作中`;
      case 'order_confirmed':
        return `【停产停工令】${siteName} 联锁已全部确认`;
      case 'order_unconfirmed':
        return `【停产停工令·联锁未确认】${siteName} ${failed}`;
    }
  }
  switch (input.kind) {
    case 'order_issued':
      return byHand ? `[Stop-work order] ${siteName}: issued, no interlock: act by hand` : `[Stop-work order] ${siteName}: issued, interlock acting`;
    case 'order_confirmed':
      return `[Stop-work order] ${siteName}: interlock confirmed`;
    case 'order_unconfirmed':
      return `[Stop-work order · interlock NOT confirmed] ${siteName}: ${failed}`;
  }
}

export function renderOrderNotice(input: OrderNoticeInput): Message {
  const lang = input.language;
  const zh = lang === 'zh';
  const sep = zh ? '：' : ': ';
  const title = headline(input);
  const link = alarmLink(input.publicUrl, input.order.alarmId);
  const rows: [string, string][] = [];
  if (input.alarm) rows.push([zh ? '报警' : 'Alarm', alarmText(input.alarm, lang).cause]);
  rows.push([zh ? '停产停工令' : 'Order', input.order.reason]);
  rows.push([zh ? '时间' : 'Time', `${formatLocal(input.atMs, input.timeZone)} (${input.timeZone})`]);
  const interlock = input.order.commands.length > 0 ? input.order.commands.map((c) => interlockLine(c, lang)) : [zh ? '本场所未配置联锁设备：须人工处置（撤离人员、关断气源）' : 'no actuator configured at this site: act by hand (evacuate, shut the gas off)'];
  const heading = zh ? '联锁状态' : 'Interlock';
  const linkLabel = zh ? '查看告警' : 'Open alarm';
  const text = [title, ...rows.map(([k, v]) => `${k}${sep}${v}`), `${heading}${sep}`, ...interlock.map((l) => `- ${l}`), `${linkLabel}${sep}${link}`].join('\n');
  const markdown = [`### ${title}`, '', ...rows.map(([k, v]) => `- **${k}**${sep}${v}`), `- **${heading}**${sep}`, ...interlock.map((l) => `  - ${l}`), '', `[${linkLabel}](${link})`].join('\n');
  const html = [
    `<h3>${escapeHtml(title)}</h3>`,
    '<table>',
    ...rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    `<tr><th align="left">${escapeHtml(heading)}</th><td>${interlock.map(escapeHtml).join('<br>')}</td></tr>`,
    '</table>',
    `<p><a href="${escapeHtml(link)}">${escapeHtml(linkLabel)}</a></p>`,
  ].join('\n');
  return { title, text, markdown, html, link };
}
