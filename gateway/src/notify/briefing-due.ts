// The briefing's 到期更换 section: devices of the briefing's sites whose replacement day (the fleet
// registry's fleet_device.replace_by) has passed or falls within 30 days of the window's end, read
// from state.db like the rest of the briefing. CJJ/T 146-2011 (城镇燃气报警控制系统技术规程) sets
// the service lives: gas detectors 3 years in commercial premises, 5 in homes; shut-off valves 10.

import type { Db } from '../store/sqlite.js';
import { formatLocal } from './local-time.js';
import type { Language } from './message.js';

const DAY_MS = 86_400_000;
/** How far ahead the briefing warns: a month leaves time to order and fit a detector. */
export const DUE_WITHIN_DAYS = 30;
/** Lines listed by name; the count covers the rest. */
const LISTED = 20;

export interface DueLine {
  site: string;
  device: string;
  kind: string;
  /** YYYY-MM-DD. */
  replaceBy: string;
}

export interface DueReplacements {
  /** The day the briefing counts from (the window's end, on the briefing's clock). */
  today: string;
  overdue: number;
  dueSoon: number;
  /** The first devices, most overdue first. */
  devices: DueLine[];
}

/** Due and overdue devices of `sites` at `toMs`; none when the registry's tables are not there. */
export function dueReplacements(db: Db, sites: readonly string[], toMs: number, timeZone: string): DueReplacements {
  const today = formatLocal(toMs, timeZone).slice(0, 10);
  const until = formatLocal(toMs + DUE_WITHIN_DAYS * DAY_MS, timeZone).slice(0, 10);
  const none: DueReplacements = { today, overdue: 0, dueSoon: 0, devices: [] };
  if (sites.length === 0 || !db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fleet_device'`).get()) return none;
  const inSites = sites.map(() => '?').join(', ');
  const counts = db
    .prepare(`SELECT SUM(replace_by < ?) AS overdue, SUM(replace_by >= ?) AS soon FROM fleet_device WHERE site IN (${inSites}) AND replace_by IS NOT NULL AND replace_by <= ?`)
    .get(today, today, ...sites, until) as { overdue: number | null; soon: number | null };
  const devices = db
    .prepare(`SELECT site, id AS device, kind, replace_by AS replaceBy FROM fleet_device WHERE site IN (${inSites}) AND replace_by IS NOT NULL AND replace_by <= ? ORDER BY replace_by, site, id LIMIT ${LISTED}`)
    .all(...sites, until) as DueLine[];
  return { today, overdue: counts.overdue ?? 0, dueSoon: counts.soon ?? 0, devices };
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The section's heading and lines, in the briefing's language. */
export function dueSection(d: DueReplacements, lang: Language, name: (site: string) => string): { heading: string; lines: string[] } {
  const zh = lang === 'zh';
  const line = (x: DueLine): string => {
    const days = daysBetween(d.today, x.replaceBy);
    const when = days < 0 ? (zh ? `已逾期 ${-days} 天` : `overdue by ${-days} days`) : days === 0 ? (zh ? '今天到期' : 'due today') : zh ? `${days} 天后到期` : `due in ${days} days`;
    return zh ? `${name(x.site)} ${x.device} 应于 ${x.replaceBy} 前更换（${when}）` : `${name(x.site)} ${x.device} to be replaced by ${x.replaceBy} (${when})`;
  };
  return {
    heading: zh ? '到期更换（CJJ/T 146-2011）' : 'Due for replacement (CJJ/T 146-2011)',
    lines: [
      zh ? `已逾期 ${d.overdue} 台，${DUE_WITHIN_DAYS} 天内到期 ${d.dueSoon} 台` : `${d.overdue} overdue, ${d.dueSoon} due within ${DUE_WITHIN_DAYS} days`,
      ...d.devices.map(line),
    ],
  };
}
