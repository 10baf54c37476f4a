// The hazard ledger's deadline notices (隐患台账): a reminder to the person responsible before the
// deadline, the overdue notice to the duty roster and leaders after it, and the question put to
// an officer when a major hazard stands with no stop-work order. Pure: facts in, message out, one
// function for every channel and both languages.

import type { Language, Message } from './message.js';
import { formatLocal } from './local-time.js';
import { escapeHtml } from './html.js';

export type HazardNoticeKind = 'hazard_reminder' | 'hazard_overdue' | 'hazard_order_decision';

export interface HazardNoticeInput {
  kind: HazardNoticeKind;
  hazard: {
    id: string;
    description: string;
    location: string;
    grade: 'general' | 'major' | null;
    /** The plan's responsible person and last day, absent before a plan (order decision). */
    responsible: string | null;
    deadlineDate: string | null;
    deadlineMs: number | null;
  };
  siteName: string;
  timeZone: string;
  atMs: number;
  publicUrl: string;
  language: Language;
}

export function hazardLink(publicUrl: string, hazardId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/#/hazards/${encodeURIComponent(hazardId)}`;
}

const GRADE: Record<Language, Record<'general' | 'major', string>> = {
  zh: { general: '一般隐患', major: '重大隐患' },
  en: { general: 'general hazard', major: 'MAJOR hazard' },
};

/** Whole hours from `atMs` to the deadline (negative past it), for "due in 20 h" / "overdue by 3 h". */
function hoursTo(input: HazardNoticeInput): number {
  return Math.round(((input.hazard.deadlineMs ?? input.atMs) - input.atMs) / 3_600_000);
}

function headline(input: HazardNoticeInput): string {
  const zh = input.language === 'zh';
  const grade = GRADE[input.language][input.hazard.grade ?? 'general'];
  const h = hoursTo(input);
  switch (input.kind) {
    case 'hazard_reminder':
      return zh ? `【隐患整改即将到期】${input.siteName} ${grade}，剩余约 ${h} 小时` : `[Hazard fix due soon] ${input.siteName}: ${grade}, about ${h} h left`;
    case 'hazard_overdue':
      return zh ? `【隐患整改逾期】${input.siteName} ${grade}，已逾期 ${-h} 小时` : `[Hazard fix OVERDUE] ${input.siteName}: ${grade}, ${-h} h past its deadline`;
    case 'hazard_order_decision':
      return zh ? `【重大隐患·待决定停产停工】${input.siteName}` : `[Major hazard · stop-work decision needed] ${input.siteName}`;
  }
}

function ask(input: HazardNoticeInput): string {
  const zh = input.language === 'zh';
  switch (input.kind) {
    case 'hazard_reminder':
      return zh ? '请按期完成整改并申请验收；确需延期的，请在到期前申请延期并说明理由。' : 'Finish the fix and ask for acceptance on time; if it cannot be done, ask for an extension with the reason before the deadline.';
    case 'hazard_overdue':
      return zh ? '请督促整改：核实现场、视情提高督办级别或下达停产停工令。' : 'Follow it up: check the site, raise its supervision level or issue a stop-work order as needed.';
    case 'hazard_order_decision':
      return zh ? '该重大隐患所在场所无生效的停产停工令：请下达停产停工令，或在隐患台账中记录不下达的理由。' : 'This major hazard stands at a site with no stop-work order in force: issue one, or record in the ledger why not.';
  }
}

export function renderHazardNotice(input: HazardNoticeInput): Message {
  const zh = input.language === 'zh';
  const sep = zh ? '：' : ': ';
  const title = headline(input);
  const link = hazardLink(input.publicUrl, input.hazard.id);
  const rows: [string, string][] = [
    [zh ? '隐患编号' : 'Hazard', input.hazard.id],
    [zh ? '隐患描述' : 'Description', input.hazard.description],
    [zh ? '位置' : 'Location', input.hazard.location],
  ];
  if (input.hazard.responsible !== null) rows.push([zh ? '整改责任人' : 'Responsible', input.hazard.responsible]);
  if (input.hazard.deadlineDate !== null && input.hazard.deadlineMs !== null) {
    rows.push([zh ? '整改期限' : 'Deadline', `${input.hazard.deadlineDate} (${zh ? '截止' : 'ends'} ${formatLocal(input.hazard.deadlineMs, input.timeZone)} ${input.timeZone})`]);
  }
  rows.push([zh ? '时间' : 'Time', `${formatLocal(input.atMs, input.timeZone)} (${input.timeZone})`]);
  const todo = ask(input);
  const linkLabel = zh ? '查看隐患' : 'Open hazard';
  const text = [title, ...rows.map(([k, v]) => `${k}${sep}${v}`), todo, `${linkLabel}${sep}${link}`].join('\n');
  const markdown = [`### ${title}`, '', ...rows.map(([k, v]) => `- **${k}**${sep}${v}`), '', todo, '', `[${linkLabel}](${link})`].join('\n');
  const html = [
    `<h3>${escapeHtml(title)}</h3>`,
    '<table>',
    ...rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    `<p>${escapeHtml(todo)}</p>`,
    `<p><a href="${escapeHtml(link)}">${escapeHtml(linkLabel)}</a></p>`,
  ].join('\n');
  return { title, text, markdown, html, link };
}
