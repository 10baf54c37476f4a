// The alarm list as the gateway offers it to a front end: filters, two orders and keyset pages.
// An interface only; the SQLite implementation (alarm-list-query.ts) owns the SQL and its indexes,
// so the dashboard reads alarms without knowing the table they live in.

import type { Alarm } from './lifecycle.js';
import type { Scope } from '../contract/scope.js';

export const ALARM_SORTS = ['time', 'priority'] as const;
export type AlarmSort = (typeof ALARM_SORTS)[number];

export interface AlarmPageQuery {
  /** The caller's scope, a condition of the query itself (absent: all). */
  readonly scope?: Scope | undefined;
  readonly site?: string | undefined;
  readonly level?: string | undefined;
  /** One state or several (an alarm in any of them). */
  readonly state?: string | readonly string[] | undefined;
  /** `time`: newest first; `priority`: the order an officer acts in (active unacknowledged first,
   * then by level red → blue, then newest). */
  readonly sort?: AlarmSort | undefined;
  readonly active?: boolean | undefined;
  /** Only alarms that still need someone (as lifecycle.ts isOpen), or only those that do not. */
  readonly open?: boolean | undefined;
  readonly fromMs?: number | undefined;
  readonly toMs?: number | undefined;
  readonly limit: number;
  /** `nextCursor` of the previous page, with the same sort; anything else is a BadQuery. */
  readonly cursor?: string | undefined;
}

export interface AlarmPage {
  readonly alarms: Alarm[];
  /** The sort key of the page's last alarm, so the next page neither repeats nor skips an alarm
   * that arrived meanwhile; null on the last page. */
  readonly nextCursor: string | null;
}

export interface AlarmList {
  /** Throws BadQuery (errors.ts) for a cursor this list did not hand out. */
  page(q: AlarmPageQuery): AlarmPage;
  /** The levels of the active alarms of each site that has any (within the scope, absent: all). */
  activeBySite(scope?: Scope): Map<string, { levels: string[] }>;
  /** Active alarms per level, for /metrics. */
  activeByLevel(): { level: string; n: number }[];
}
