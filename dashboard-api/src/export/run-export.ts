// One export from request to bytes, shared by the API route and `shaobing export`: the table's
// pages from the gateway's export source (and the API's own last values for devices), rendered to cells in each site's words and time zone, then written as
// CSV or XLSX, with the file's name.

import type { Readable } from 'node:stream';
import type { Cell } from './csv.js';
import type { ExportFilter, ExportSource } from '../../../gateway/src/export/export-source.js';
import type { SiteLast } from '../device-last-store.js';
import { deviceRows, type ExportSite } from './device-rows.js';
import { alarmCells, deviceCells, HEADERS, orderCells, TABLE_TITLE, DEFAULT_TIME_ZONE, type ExportTable, type SiteLabel, type SiteLookup } from './tables.js';
import { contentDisposition, csvStream, xlsxStream, type ExportFormat } from './write.js';
import { formatLocal } from '../../../gateway/src/notify/local-time.js';

export interface ExportRequest extends ExportFilter {
  readonly table: ExportTable;
  readonly format: ExportFormat;
}

export interface ExportFile {
  readonly body: Readable;
  /** `告警记录_kitchen-01_2026-12-01_2026-12-07.csv` */
  readonly fileName: string;
  readonly contentDisposition: string;
}

/** Labels from configured sites; a site that is no longer configured keeps its id as its name. */
export function siteLookup(sites: readonly { id: string; name: string; timezone?: string | undefined }[], defaultTimeZone = DEFAULT_TIME_ZONE): SiteLookup {
  const byId = new Map<string, SiteLabel>(sites.map((s) => [s.id, { name: s.name, timeZone: s.timezone ?? defaultTimeZone }]));
  return (site) => byId.get(site) ?? { name: site, timeZone: defaultTimeZone };
}

/** Where an export's rows come from, each from its owner. */
export interface ExportInputs {
  /** Alarms, orders and device statuses: the gateway's (GatewayFaces.exportSource). */
  readonly source: ExportSource;
  /** The configured sites and their devices. */
  readonly sites: readonly ExportSite[];
  /** The devices' stored last values: the API's own table (device-last-store.ts siteLastReader). */
  readonly lastOf: (site: string) => SiteLast;
}

/** Whether a site is configured or has any record: an unknown one is a typo, not an empty report. */
export function knowsSite(inputs: ExportInputs, site: string): boolean {
  return inputs.sites.some((s) => s.id === site) || inputs.source.hasRecordsOf(site);
}

async function* cellsOf(inputs: ExportInputs, r: ExportRequest, label: SiteLookup): AsyncGenerator<Cell[][]> {
  const { source } = inputs;
  if (r.table === 'alarms') for await (const page of source.alarms(r)) yield page.map((row) => alarmCells(row, label(String(row.site))));
  else if (r.table === 'orders') for await (const page of source.orders(r)) yield page.map((row) => orderCells(row, label(String(row.site))));
  else for await (const page of deviceRows(inputs.sites, (site) => source.deviceStatuses(site), inputs.lastOf, r)) yield page.map((d) => deviceCells(d, label(d.site)));
}

/** The date part of the name, in the zone of the site asked for (or the default). */
function rangeName(r: ExportRequest, tz: string, nowMs: number): string {
  if (r.table === 'devices') return formatLocal(nowMs, tz).slice(0, 10);
  const day = (ms: number) => formatLocal(ms, tz).slice(0, 10);
  return r.fromMs === undefined ? `至${day(r.toMs ?? nowMs)}` : `${day(r.fromMs)}_${day(r.toMs ?? nowMs)}`;
}

const ASCII_TITLE: Record<ExportTable, string> = { alarms: 'alarms', orders: 'stop-work-orders', devices: 'devices' };

export function runExport(inputs: ExportInputs, r: ExportRequest, label: SiteLookup, nowMs: number, onError: (err: Error) => void): ExportFile {
  const tz = r.site !== undefined ? label(r.site).timeZone : DEFAULT_TIME_ZONE;
  const stem = [r.site, rangeName(r, tz, nowMs)].filter((s) => s !== undefined).join('_');
  const fileName = `${TABLE_TITLE[r.table]}_${stem}.${r.format}`;
  const asciiName = `${ASCII_TITLE[r.table]}_${stem.replace('至', 'until_')}.${r.format}`;
  const headers = HEADERS[r.table];
  const pages = cellsOf(inputs, r, label);
  let body: Readable;
  if (r.format === 'csv') {
    body = csvStream(headers, pages);
    // The headers are sent by then: the reader gets a cut file, the log says why.
    body.once('error', onError);
  } else body = xlsxStream(TABLE_TITLE[r.table], headers, pages, onError);
  return { body, fileName, contentDisposition: contentDisposition(asciiName, fileName) };
}
