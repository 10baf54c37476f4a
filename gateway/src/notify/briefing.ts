// The daily duty briefing (值班日报): what happened at a group of sites over a time window —
// alarms by level and site, stop-work orders issued and lifted, rectifications closed and still
// open, devices offline, the longest time to acknowledge — as data, Markdown and HTML.
// buildBriefing reads the state database only; the API serves it, the scheduler sends it.

import type { Db } from '../store/sqlite.js';
import { LEVELS, type Level } from '../contract/levels.js';
import { formatLocal } from './local-time.js';
import { LEVEL_WORDS, type Language } from './message.js';
import { alarmKindOfRule, isAlarmKind } from '../contract/alarm-kind.js';
import { alarmText } from '../contract/alarm-text.js';
import { escapeHtml } from './html.js';
import { dueReplacements, dueSection, type DueReplacements } from './briefing-due.js';

/** An open rectification as stored; its kind may predate kinds (then the rule id says it). */
interface OpenRow {
  alarmId: string;
  site: string;
  device: string;
  channel: string;
  quantity: string;
  ruleId: string;
  kind: string | null;
  value: number;
  peakValue: number;
  level: Level;
  raisedAtMs: number;
}

export interface BriefingQuery {
  fromMs: number;
  toMs: number;
  sites: readonly string[];
  siteNames?: Readonly<Record<string, string>>;
  /** For the times in the text; Asia/Shanghai by default. */
  timeZone?: string;
  language?: Language;
  regionName?: string;
}

export interface SiteAlarms {
  site: string;
  name: string;
  byLevel: Record<Level, number>;
  total: number;
}

export interface OrderLine {
  id: string;
  site: string;
  atMs: number;
  reason: string;
  by: string | null;
}

export interface Briefing {
  fromMs: number;
  toMs: number;
  sites: string[];
  alarmsByLevel: Record<Level, number>;
  alarmsBySite: SiteAlarms[];
  ordersIssued: OrderLine[];
  ordersLifted: OrderLine[];
  rectificationsClosed: number;
  /** Orange/red alarms (整改 needed) raised before the window's end and not yet closed (销号). */
  rectificationsOpen: { alarmId: string; site: string; device: string; level: Level; raisedAtMs: number; /** What the alarm is, in the briefing's language (contract/alarm-text.ts). */ cause: string }[];
  devicesOffline: { site: string; device: string; sinceMs: number }[];
  /** Devices past or within 30 days of their replacement day (briefing-due.ts). */
  dueReplacements: DueReplacements;
  longestAck: { alarmId: string; site: string; device: string; level: Level; ms: number } | null;
  /** Alarms raised in the window that nobody has acknowledged yet. */
  unacked: number;
  /** The hazard ledger (隐患台账) at the window's end: records not struck off, and those past their deadline unfixed (first 20, earliest deadline first). */
  hazards: { open: number; overdue: number; overdueList: { hazardId: string; site: string; grade: 'general' | 'major' | null; deadlineDate: string; description: string }[] };
  title: string;
  /** GitHub-flavoured Markdown, tables included (webhook receivers, the API). */
  markdown: string;
  /** The same without tables, each row a bullet line: DingTalk and WeCom robot markdown has no
   * tables (their robot message docs list headings, bold, links, quotes and lists only). */
  markdownLists: string;
  html: string;
}

const zeroLevels = (): Record<Level, number> => ({ blue: 0, yellow: 0, orange: 0, red: 0 });

function inList(sites: readonly string[]): { sql: string; params: string[] } {
  return { sql: sites.length ? sites.map(() => '?').join(', ') : 'NULL', params: [...sites] };
}

export function buildBriefing(db: Db, q: BriefingQuery): Briefing {
  const sites = [...q.sites];
  const { sql: inSites, params: siteParams } = inList(sites);
  const win = [q.fromMs, q.toMs];

  const alarmsByLevel = zeroLevels();
  const bySite = new Map<string, SiteAlarms>(sites.map((s) => [s, { site: s, name: q.siteNames?.[s] ?? s, byLevel: zeroLevels(), total: 0 }]));
  const counts = db
    .prepare(`SELECT site, peak_level AS level, COUNT(*) AS n FROM alarm WHERE site IN (${inSites}) AND raised_at_ms >= ? AND raised_at_ms < ? GROUP BY site, peak_level`)
    .all(...siteParams, ...win) as { site: string; level: Level; n: number }[];
  for (const c of counts) {
    const s = bySite.get(c.site)!;
    s.byLevel[c.level] += c.n;
    s.total += c.n;
    alarmsByLevel[c.level] += c.n;
  }

  const orders = (column: 'issued_at_ms' | 'lifted_at_ms'): OrderLine[] =>
    (
      db
        .prepare(`SELECT id, site, ${column} AS atMs, reason, lifted_by AS liftedBy FROM stop_work_order WHERE site IN (${inSites}) AND ${column} >= ? AND ${column} < ? ORDER BY ${column}`)
        .all(...siteParams, ...win) as { id: string; site: string; atMs: number; reason: string; liftedBy: string | null }[]
    ).map((o) => ({ id: o.id, site: o.site, atMs: o.atMs, reason: o.reason, by: column === 'lifted_at_ms' ? o.liftedBy : null }));

  const rectificationsClosed = (
    db
      .prepare(`SELECT COUNT(*) AS n FROM alarm WHERE site IN (${inSites}) AND peak_level IN ('orange', 'red') AND closed_at_ms >= ? AND closed_at_ms < ?`)
      .get(...siteParams, ...win) as { n: number }
  ).n;
  const rectificationsOpen = db
    .prepare(
      `SELECT id AS alarmId, site, device, channel, quantity, rule_id AS ruleId, kind, value, peak_value AS peakValue, peak_level AS level, raised_at_ms AS raisedAtMs FROM alarm
       WHERE site IN (${inSites}) AND peak_level IN ('orange', 'red') AND raised_at_ms < ? AND (closed_at_ms IS NULL OR closed_at_ms >= ?)
       ORDER BY raised_at_ms`,
    )
    .all(...siteParams, q.toMs, q.toMs) as OpenRow[];

  const devicesOffline = db
    .prepare(`SELECT site, device, at_ms AS sinceMs FROM device_status WHERE site IN (${inSites}) AND state = 'offline' AND at_ms < ? ORDER BY site, device`)
    .all(...siteParams, q.toMs) as Briefing['devicesOffline'];

  const acks = db
    .prepare(
      `SELECT a.id AS alarmId, a.site, a.device, a.peak_level AS level, MIN(e.at_ms) - a.raised_at_ms AS ms
       FROM alarm a JOIN alarm_event e ON e.alarm_id = a.id AND e.kind = 'acked'
       WHERE a.site IN (${inSites}) AND a.raised_at_ms >= ? AND a.raised_at_ms < ?
       GROUP BY a.id ORDER BY ms DESC LIMIT 1`,
    )
    .get(...siteParams, ...win) as Briefing['longestAck'] | undefined;
  const unacked = (
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM alarm a WHERE a.site IN (${inSites}) AND a.raised_at_ms >= ? AND a.raised_at_ms < ?
         AND NOT EXISTS (SELECT 1 FROM alarm_event e WHERE e.alarm_id = a.id AND e.kind = 'acked')`,
      )
      .get(...siteParams, ...win) as { n: number }
  ).n;

  const hazards = ledgerAt(db, inSites, siteParams, q.toMs);

  const data = {
    fromMs: q.fromMs,
    toMs: q.toMs,
    sites,
    alarmsByLevel,
    alarmsBySite: [...bySite.values()],
    ordersIssued: orders('issued_at_ms'),
    ordersLifted: orders('lifted_at_ms'),
    rectificationsClosed,
    rectificationsOpen: rectificationsOpen.map((r) => ({
      alarmId: r.alarmId,
      site: r.site,
      device: r.device,
      level: r.level,
      raisedAtMs: r.raisedAtMs,
      cause: alarmText({ ...r, kind: r.kind !== null && isAlarmKind(r.kind) ? r.kind : alarmKindOfRule(r.ruleId) }, q.language ?? 'zh').cause,
    })),
    devicesOffline,
    dueReplacements: dueReplacements(db, sites, q.toMs, q.timeZone ?? 'Asia/Shanghai'),
    longestAck: acks ?? null,
    unacked,
    hazards,
  };
  return { ...data, ...render(data, q) };
}

/**
 * The ledger's open and overdue hazards at `atMs`, read from its tables when the hazard ledger has
 * made them (hazards/repository.ts); none before. Overdue: being rectified with the deadline ended.
 */
function ledgerAt(db: Db, inSites: string, siteParams: readonly string[], atMs: number): Briefing['hazards'] {
  const none = { open: 0, overdue: 0, overdueList: [] };
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hazard'").get() === undefined) return none;
  const counts = db
    .prepare(
      `SELECT COUNT(*) AS open, COALESCE(SUM(state = 'rectifying' AND deadline_ms <= ?), 0) AS overdue FROM hazard
       WHERE site IN (${inSites}) AND state <> 'closed' AND registered_at_ms < ?`,
    )
    .get(atMs, ...siteParams, atMs) as { open: number; overdue: number };
  const overdueList = (
    db
      .prepare(
        `SELECT id AS hazardId, site, grade, json_extract(body, '$.plan.deadlineDate') AS deadlineDate, json_extract(body, '$.description') AS description FROM hazard
         WHERE site IN (${inSites}) AND state = 'rectifying' AND deadline_ms <= ? ORDER BY deadline_ms, id LIMIT 20`,
      )
      .all(...siteParams, atMs) as Briefing['hazards']['overdueList']
  );
  return { open: counts.open, overdue: counts.overdue, overdueList };
}

type BriefingData = Omit<Briefing, 'title' | 'markdown' | 'markdownLists' | 'html'>;

/** A section is a heading with either a table or bullet lines: one source for Markdown and HTML. */
interface Section {
  heading: string;
  table?: { head: string[]; rows: string[][] };
  lines: string[];
}

function duration(ms: number, lang: Language): string {
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  if (lang === 'zh') return h > 0 ? `${h} 小时 ${m % 60} 分` : m > 0 ? `${m} 分 ${s % 60} 秒` : `${s} 秒`;
  return h > 0 ? `${h} h ${m % 60} min` : m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

const LEVELS_DOWN = [...LEVELS].reverse();

function render(d: BriefingData, q: BriefingQuery): { title: string; markdown: string; markdownLists: string; html: string } {
  const lang = q.language ?? 'zh';
  const tz = q.timeZone ?? 'Asia/Shanghai';
  const zh = lang === 'zh';
  const t = (ms: number): string => formatLocal(ms, tz).slice(0, 16);
  const region = q.regionName ?? (zh ? '全部场所' : 'all sites');
  const title = zh ? `值班日报 · ${region} · ${t(d.toMs).slice(0, 10)}` : `Duty briefing · ${region} · ${t(d.toMs).slice(0, 10)}`;
  const period = zh ? `统计时段：${t(d.fromMs)} 至 ${t(d.toMs)}（${tz}）` : `Period: ${t(d.fromMs)} to ${t(d.toMs)} (${tz})`;
  const name = (site: string): string => q.siteNames?.[site] ?? site;
  // Overdue hazards lead the briefing: a deadline missed is the unit's promise broken, the thing a
  // county officer must chase first. Without any open hazard the section is left out.
  const hazards: Section[] =
    d.hazards.open === 0
      ? []
      : [
          {
            heading: zh ? '隐患台账' : 'Hazard ledger',
            lines: [
              zh ? `未销号 ${d.hazards.open} 项，其中逾期 ${d.hazards.overdue} 项` : `${d.hazards.open} open, ${d.hazards.overdue} overdue`,
              ...d.hazards.overdueList.map(
                (h) =>
                  `${zh ? '逾期' : 'overdue'} ${name(h.site)} ${h.grade === 'major' ? (zh ? '重大隐患' : 'MAJOR') : zh ? '一般隐患' : 'general'} ${zh ? '期限' : 'due'} ${h.deadlineDate}：${h.description} (${h.hazardId})`,
              ),
            ],
          },
        ];
  const sections: Section[] = [
    ...hazards,
    {
      heading: zh ? '报警' : 'Alarms',
      table: {
        head: [zh ? '场所' : 'Site', ...LEVELS_DOWN.map((l) => LEVEL_WORDS[lang][l]), zh ? '合计' : 'Total'],
        rows: [
          ...d.alarmsBySite.map((s) => [s.name, ...LEVELS_DOWN.map((l) => String(s.byLevel[l])), String(s.total)]),
          [zh ? '合计' : 'Total', ...LEVELS_DOWN.map((l) => String(d.alarmsByLevel[l])), String(LEVELS.reduce((n, l) => n + d.alarmsByLevel[l], 0))],
        ],
      },
      lines: [],
    },
    {
      heading: zh ? '停产停工令' : 'Stop-work orders',
      lines: [
        zh ? `下达 ${d.ordersIssued.length} 起，解除 ${d.ordersLifted.length} 起` : `${d.ordersIssued.length} issued, ${d.ordersLifted.length} lifted`,
        ...d.ordersIssued.map((o) => `${zh ? '下达' : 'issued'} ${t(o.atMs)} ${name(o.site)}：${o.reason}`),
        ...d.ordersLifted.map((o) => `${zh ? '解除' : 'lifted'} ${t(o.atMs)} ${name(o.site)}${o.by ? ` (${o.by})` : ''}`),
      ],
    },
    {
      heading: zh ? '隐患整改' : 'Rectifications',
      lines: [
        zh ? `已销号 ${d.rectificationsClosed} 项，未销号 ${d.rectificationsOpen.length} 项` : `${d.rectificationsClosed} closed, ${d.rectificationsOpen.length} still open`,
        ...d.rectificationsOpen.slice(0, 20).map((r) => `${name(r.site)} ${r.cause} ${LEVEL_WORDS[lang][r.level]} ${zh ? '发生于' : 'since'} ${t(r.raisedAtMs)}`),
      ],
    },
    {
      heading: zh ? '设备离线' : 'Devices offline',
      lines: d.devicesOffline.length ? d.devicesOffline.map((x) => `${name(x.site)} ${x.device} ${zh ? '离线自' : 'offline since'} ${t(x.sinceMs)}`) : [zh ? '无' : 'none'],
    },
    dueSection(d.dueReplacements, lang, name),
    {
      heading: zh ? '确认时效' : 'Time to acknowledge',
      lines: [
        d.longestAck
          ? zh
            ? `最长确认用时 ${duration(d.longestAck.ms, lang)}（${name(d.longestAck.site)} ${d.longestAck.device}，${LEVEL_WORDS.zh[d.longestAck.level]}）`
            : `longest ${duration(d.longestAck.ms, lang)} (${name(d.longestAck.site)} ${d.longestAck.device}, ${LEVEL_WORDS.en[d.longestAck.level]})`
          : zh
            ? '当日无已确认报警'
            : 'no alarm acknowledged',
        zh ? `尚未确认 ${d.unacked} 起` : `${d.unacked} not yet acknowledged`,
      ],
    },
  ];
  return {
    title,
    markdown: toMarkdown(title, period, sections),
    markdownLists: toMarkdown(title, period, sections, { sep: zh ? '：' : ': ' }),
    html: toHtml(title, period, sections),
  };
}

/** A table row as one bullet: `- **示范餐馆后厨**：红色预警 1，橙色预警 0，…，合计 1`. */
function rowAsLine(head: string[], row: string[], sep: string): string {
  const comma = sep === '：' ? '，' : ', ';
  return `- **${row[0]}**${sep}${row
    .slice(1)
    .map((cell, i) => `${head[i + 1]} ${cell}`)
    .join(comma)}`;
}

/** With `lists`, each table row becomes a bullet (for robots without tables). */
function toMarkdown(title: string, period: string, sections: Section[], lists?: { sep: string }): string {
  const out = [`## ${title}`, '', period, ''];
  for (const s of sections) {
    out.push(`### ${s.heading}`, '');
    if (s.table && lists) {
      for (const r of s.table.rows) out.push(rowAsLine(s.table.head, r, lists.sep));
      out.push('');
    } else if (s.table) {
      out.push(`| ${s.table.head.join(' | ')} |`, `|${s.table.head.map(() => ' --- |').join('')}`);
      for (const r of s.table.rows) out.push(`| ${r.join(' | ')} |`);
      out.push('');
    }
    for (const l of s.lines) out.push(`- ${l}`);
    if (s.lines.length) out.push('');
  }
  return out.join('\n').trimEnd();
}

function toHtml(title: string, period: string, sections: Section[]): string {
  const out = [`<h2>${escapeHtml(title)}</h2>`, `<p>${escapeHtml(period)}</p>`];
  for (const s of sections) {
    out.push(`<h3>${escapeHtml(s.heading)}</h3>`);
    if (s.table) {
      out.push('<table border="1" cellspacing="0" cellpadding="4">', `<tr>${s.table.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`);
      for (const r of s.table.rows) out.push(`<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`);
      out.push('</table>');
    }
    if (s.lines.length) out.push(`<ul>${s.lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`);
  }
  return out.join('\n');
}
