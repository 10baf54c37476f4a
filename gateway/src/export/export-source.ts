// The records of the safety bureau's reports as the gateway offers them to a front end: alarms and
// stop-work orders a page at a time, oldest first, and the devices' last birth or will per site.
// An interface only; the SQLite implementation (export-source-query.ts) owns the SQL and the
// indexes that serve it, so the dashboard exports without knowing the tables.

import type { Scope } from '../contract/scope.js';

export interface ExportFilter {
  /** The caller's scope, a condition of every page's query (absent: all). */
  readonly scope?: Scope | undefined;
  readonly fromMs?: number | undefined;
  readonly toMs?: number | undefined;
  readonly site?: string | undefined;
  readonly level?: string | undefined;
  readonly state?: readonly string[] | undefined;
}

/** A row as stored, by column name (snake_case); columns other modules add come along. */
export type ExportRow = Record<string, unknown>;

/** A device's last birth or last will, in gateway time. */
export interface ExportDeviceStatus {
  readonly state: string;
  readonly atMs: number;
}

export interface ExportSource {
  /** Alarms raised in the range (level and state filters apply), in pages of raised time then id. */
  alarms(f: ExportFilter): AsyncGenerator<ExportRow[]>;
  /** Stop-work orders (停产停工令) issued in the range, in pages of issued time then id. */
  orders(f: Pick<ExportFilter, 'fromMs' | 'toMs' | 'site' | 'scope'>): AsyncGenerator<ExportRow[]>;
  /** Whether any alarm or order names the site: a site no longer configured still has its records. */
  hasRecordsOf(site: string): boolean;
  /** Each device of the site that has sent a birth or will, by device id. */
  deviceStatuses(site: string): ReadonlyMap<string, ExportDeviceStatus>;
}
