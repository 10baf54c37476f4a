// The reporting periods of the hazard statistics: 《安全生产事故隐患排查治理暂行规定》(国家安监总局令第16号)
// 第十四条 asks a unit to report its hazard findings and fixes each quarter (每季) and each year (每年)
// to the safety authority. A period is a calendar quarter or year in the SITE's wall clock: a hazard
// found at 23:30 on 31 March in Urumqi time is Q1 there, whatever the server's clock says. Pure.

import { startOfLocalDayMs } from './deadline.js';

export type ReportPeriod =
  | { readonly kind: 'year'; readonly year: number; readonly label: string }
  | { readonly kind: 'quarter'; readonly year: number; readonly quarter: 1 | 2 | 3 | 4; readonly label: string };

const PERIOD = /^(\d{4})(?:-Q([1-4]))?$/;

/** Parse `2026` or `2026-Q4`; undefined for anything else (the caller answers 400 with the form). */
export function parsePeriod(text: string): ReportPeriod | undefined {
  const m = PERIOD.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  if (year < 1970 || year > 9998) return undefined;
  if (m[2] === undefined) return { kind: 'year', year, label: text };
  return { kind: 'quarter', year, quarter: Number(m[2]) as 1 | 2 | 3 | 4, label: text };
}

/** The first and the day after the last calendar date of the period, YYYY-MM-DD. */
export function periodDates(p: ReportPeriod): { readonly first: string; readonly afterLast: string } {
  const pad = (n: number) => String(n).padStart(2, '0');
  if (p.kind === 'year') return { first: `${p.year}-01-01`, afterLast: `${p.year + 1}-01-01` };
  const startMonth = (p.quarter - 1) * 3 + 1;
  const first = `${p.year}-${pad(startMonth)}-01`;
  const afterLast = p.quarter === 4 ? `${p.year + 1}-01-01` : `${p.year}-${pad(startMonth + 3)}-01`;
  return { first, afterLast };
}

/** The period as the half-open instant range [startMs, endMs) in `timeZone`. */
export function periodBoundsMs(p: ReportPeriod, timeZone: string): { readonly startMs: number; readonly endMs: number } {
  const { first, afterLast } = periodDates(p);
  return { startMs: startOfLocalDayMs(first, timeZone), endMs: startOfLocalDayMs(afterLast, timeZone) };
}
