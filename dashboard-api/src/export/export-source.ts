// The rows of an export, read from state.db a page at a time in key order (keyset, never OFFSET),
// so 100 000 alarms stream out without being loaded at once, and between pages the event loop
// serves the gateway. Every filter (range, site, level, state; the scope later) is in the SQL.
// No statement stays open across a page: better-sqlite3 refuses other queries on a connection
// while an iterator is open, and this connection is the gateway's own.

import type { Db } from '../../../gateway/src/store/sqlite.js';
import { migrateModule } from '../../../gateway/src/store/sqlite.js';
import type { DeviceChannelRow } from './tables.js';

export interface ExportFilter {
  readonly fromMs?: number | undefined;
  readonly toMs?: number | undefined;
  readonly site?: string | undefined;
  readonly level?: string | undefined;
  readonly state?: readonly string[] | undefined;
}

/** The configured devices, as the config (later the registry) has them. */
export interface ExportSite {
  readonly id: string;
  readonly devices: readonly { readonly id: string; readonly kind: string; readonly channels: Readonly<Record<string, { readonly quantity: string }>> }[];
}

type Row = Record<string, unknown>;

export const EXPORT_PAGE_ROWS = 1000;

/** The indexes the export walks; made by the gateway's API (the command line opens read-only). */
export function ensureExportIndexes(db: Db): void {
  migrateModule(db, 'export', [
    // Each page seeks to its cursor in key order, with or without a site (no sort of the ties).
    `CREATE INDEX IF NOT EXISTS export_alarm_by_time ON alarm (raised_at_ms, id);
     CREATE INDEX IF NOT EXISTS export_alarm_by_site_time ON alarm (site, raised_at_ms, id);
     CREATE INDEX IF NOT EXISTS export_order_by_time ON stop_work_order (issued_at_ms, id);
     CREATE INDEX IF NOT EXISTS export_order_by_site_time ON stop_work_order (site, issued_at_ms, id);`,
  ]);
}

/** Lets the event loop run between pages (alarms arriving, other requests). */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** WHERE clauses and their parameters for a table whose time column is `timeColumn`. */
function whereOf(f: ExportFilter, timeColumn: string, withAlarmFields: boolean): { where: string[]; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.fromMs !== undefined) (where.push(`${timeColumn} >= @fromMs`), (params.fromMs = f.fromMs));
  if (f.toMs !== undefined) (where.push(`${timeColumn} <= @toMs`), (params.toMs = f.toMs));
  if (f.site !== undefined) (where.push('site = @site'), (params.site = f.site));
  if (withAlarmFields && f.level !== undefined) (where.push('level = @level'), (params.level = f.level));
  if (withAlarmFields && f.state !== undefined && f.state.length > 0) {
    where.push(`state IN (${f.state.map((_, i) => `@state${i}`).join(', ')})`);
    f.state.forEach((st, i) => (params[`state${i}`] = st));
  }
  return { where, params };
}

/** Pages of `table` in (timeColumn, id) order, oldest first: a report reads forward in time. */
async function* keyset(db: Db, table: string, timeColumn: string, f: ExportFilter, withAlarmFields: boolean, pageRows: number): AsyncGenerator<Row[]> {
  const { where, params } = whereOf(f, timeColumn, withAlarmFields);
  const after = `(${timeColumn} > @cAt OR (${timeColumn} = @cAt AND id > @cId))`;
  const select = (conds: string[]) => db.prepare(`SELECT * FROM ${table} ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY ${timeColumn}, id LIMIT @limit`);
  const first = select(where);
  const next = select([...where, after]);
  let rows = first.all({ ...params, limit: pageRows }) as Row[];
  while (rows.length > 0) {
    yield rows;
    if (rows.length < pageRows) return;
    const last = rows[rows.length - 1]!;
    await breathe();
    rows = next.all({ ...params, limit: pageRows, cAt: last[timeColumn], cId: last.id }) as Row[];
  }
}

export class ExportSource {
  constructor(
    private readonly db: Db,
    private readonly sites: () => readonly ExportSite[],
    private readonly pageRows = EXPORT_PAGE_ROWS,
  ) {}

  /** Alarms raised in the range. */
  alarms(f: ExportFilter): AsyncGenerator<Row[]> {
    return keyset(this.db, 'alarm', 'raised_at_ms', f, true, this.pageRows);
  }

  /** Stop-work orders (停产停工令) issued in the range. */
  orders(f: ExportFilter): AsyncGenerator<Row[]> {
    return keyset(this.db, 'stop_work_order', 'issued_at_ms', { fromMs: f.fromMs, toMs: f.toMs, site: f.site }, false, this.pageRows);
  }

  /** Whether a site is configured or has any record: an unknown one is a typo, not an empty report. */
  knowsSite(site: string): boolean {
    if (this.sites().some((s) => s.id === site)) return true;
    const has = (sql: string) => this.db.prepare(sql).get(site) !== undefined;
    return has('SELECT 1 FROM alarm WHERE site = ? LIMIT 1') || has('SELECT 1 FROM stop_work_order WHERE site = ? LIMIT 1');
  }

  /** The configured devices, a site per page, one row per channel with its last value from state.db. */
  async *devices(f: { site?: string | undefined }): AsyncGenerator<DeviceChannelRow[]> {
    const lastValues = this.tableExists('device_last_value') ? this.db.prepare('SELECT device, channel, value, ts_ms AS tsMs FROM device_last_value WHERE site = ?') : null;
    const lastHeard = this.tableExists('device_last_heard') ? this.db.prepare('SELECT device, heard_at_ms AS heardAtMs, battery FROM device_last_heard WHERE site = ?') : null;
    const status = this.db.prepare('SELECT device, state, at_ms AS atMs FROM device_status WHERE site = ?');
    for (const site of this.sites()) {
      if (f.site !== undefined && site.id !== f.site) continue;
      const values = new Map<string, { value: number; tsMs: number }>();
      for (const v of (lastValues?.all(site.id) ?? []) as { device: string; channel: string; value: number; tsMs: number }[]) values.set(`${v.device}/${v.channel}`, v);
      const heard = new Map(((lastHeard?.all(site.id) ?? []) as { device: string; heardAtMs: number; battery: number | null }[]).map((h) => [h.device, h]));
      const states = new Map((status.all(site.id) as { device: string; state: string; atMs: number }[]).map((s) => [s.device, s]));
      const rows: DeviceChannelRow[] = [];
      for (const d of site.devices) {
        const h = heard.get(d.id);
        const st = states.get(d.id);
        const common = { site: site.id, device: d.id, kind: d.kind, heardAtMs: h?.heardAtMs ?? null, battery: h?.battery ?? null, status: st?.state ?? null, statusAtMs: st?.atMs ?? null };
        const channels = Object.entries(d.channels);
        if (channels.length === 0) rows.push({ ...common, channel: null, quantity: null, value: null, valueAtMs: null });
        for (const [channel, c] of channels) {
          const v = values.get(`${d.id}/${channel}`);
          rows.push({ ...common, channel, quantity: c.quantity, value: v?.value ?? null, valueAtMs: v?.tsMs ?? null });
        }
      }
      if (rows.length) yield rows;
      await breathe();
    }
  }

  private tableExists(name: string): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }
}
