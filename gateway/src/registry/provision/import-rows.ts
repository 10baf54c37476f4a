// A device import file checked row by row before anything is written: each row becomes a device
// (checked with the config's own deviceSchema) or a refusal naming the file's line, the column as
// the file calls it, and why. Pure: the registry is read through the two lookups passed in.
//
// Sites: a row's site must be in the registry, or be created by this file: a file with a
// siteName/站点名称 column creates each site it names that the registry does not hold yet, from
// the site columns of that site's first row (later rows may repeat the same values or leave them
// empty). A site the registry already holds keeps its fields: PUT /api/v1/sites/:site edits them.

import type { z } from 'zod';
import { deviceSchema, siteSchema } from '../../config/schema.js';
import { isId } from '../../contract/ids.js';
import type { DeviceInput, SiteInput } from '../fleet-writer.js';
import type { TableRecord } from './csv.js';
import type { DeviceAuth } from './device-secret.js';
import { AUTH_WORDS, COLUMN_NAMES, columnOf, KIND_WORDS, SITE_COLUMNS, type ImportColumn } from './import-columns.js';

/** An upload is bounded before it is read: 20 MB holds 100 000 rows of ~200 bytes, ten times the
 * largest gas company file we plan for (10 000 kitchens), and parses in about a second. */
export const IMPORT_LIMITS = { maxBytes: 20 * 1024 * 1024, maxRows: 100_000 } as const;

export interface ImportRefusal {
  /** Line of the file (the header is line 1; a CSV record is named by the line it starts on). */
  readonly line: number;
  /** The column as the file's header names it, or the project's name when the file has none. */
  readonly column: string;
  readonly reason: string;
}

/** A row accepted: the device without its credential (issued when it is applied). */
export interface ImportedDevice {
  readonly line: number;
  readonly site: string;
  readonly device: Omit<DeviceInput, 'auth' | 'passwordHash' | 'loginKey'>;
  /** As the row asks; absent: signed for a new device, the device's own for a replaced one. */
  readonly auth: DeviceAuth | undefined;
  /** The registry already holds this device (only with `replace`). */
  readonly replaces: boolean;
}

export interface NewSite {
  readonly line: number;
  readonly site: Omit<SiteInput, 'devices'>;
}

export interface ImportPlan {
  readonly rows: number;
  readonly sites: readonly NewSite[];
  readonly devices: readonly ImportedDevice[];
  readonly refused: readonly ImportRefusal[];
}

/** What the plan reads of the registry. */
export interface FleetLookup {
  hasSite(site: string): boolean;
  hasDevice(site: string, device: string): boolean;
  /** A new site's region and organisation must exist; absent: left to the registry's own check. */
  hasRegion?(region: string): boolean;
  hasOrg?(org: string): boolean;
  /** The caller's scope contains this registered site; one it does not is refused as if absent. */
  mayUse?(site: string): boolean;
  /** The caller's scope would hold a new site with this region and organisation. */
  mayCreate?(site: string, region: string | undefined, org: string | undefined): boolean;
}

// Stands in for the credential while the row is checked: it is issued only to accepted rows.
const PLACEHOLDER_KEY = '0'.repeat(64);

type Cells = Partial<Record<ImportColumn, string>>;

function headerRefusals(records: readonly TableRecord[]): { columns: (ImportColumn | undefined)[]; names: Map<ImportColumn, string>; refused: ImportRefusal[] } {
  const header = records[0]?.cells ?? [];
  const refused: ImportRefusal[] = [];
  const names = new Map<ImportColumn, string>();
  const columns = header.map((text) => {
    const column = columnOf(text);
    if (text.trim() === '') return undefined;
    if (column === undefined) {
      refused.push({ line: 1, column: text, reason: `unknown column; known: ${Object.values(COLUMN_NAMES).map((n) => `${n[0]}/${n[1]}`).join(', ')}` });
    } else if (names.has(column)) {
      refused.push({ line: 1, column: text, reason: `a second ${column} column (the first is ${JSON.stringify(names.get(column))})` });
    } else names.set(column, text);
    return column;
  });
  for (const required of ['site', 'device', 'kind'] as const) {
    if (!names.has(required)) refused.push({ line: 1, column: required, reason: `the header needs a ${COLUMN_NAMES[required][0]} (${COLUMN_NAMES[required][1]}) column` });
  }
  return { columns, names, refused };
}

/** YYYY-MM-DD of a real day; also takes 2026/3/1 and 2026.3.1 as Chinese spreadsheets write them. */
export function normaliseDay(text: string): string | undefined {
  const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return undefined;
  return day.toISOString().slice(0, 10);
}

/** "ch4:methane_lel;co:co_ppm" (full-width ；and ： too) → { ch4: { quantity: methane_lel }, … }. */
export function parseChannels(text: string): { ok: true; channels: Record<string, { quantity: string }> } | { ok: false; reason: string } {
  const channels: Record<string, { quantity: string }> = {};
  for (const part of text.split(/[;；]/).map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^([^:：]+)[:：]\s*(.+)$/.exec(part);
    if (!m) return { ok: false, reason: `${JSON.stringify(part)} is not channel:quantity, e.g. ch4:methane_lel;co:co_ppm` };
    const channel = m[1]!.trim();
    if (channel in channels) return { ok: false, reason: `channel ${channel} appears twice` };
    if (!isId(channel)) return { ok: false, reason: `channel ${JSON.stringify(channel)}: use 1–64 characters of A-Z a-z 0-9 _ -` };
    channels[channel] = { quantity: m[2]!.trim() };
  }
  return { ok: true, channels };
}

function rowDevice(cells: Cells, refuse: (column: ImportColumn, reason: string) => void): { device: Record<string, unknown>; auth: DeviceAuth | undefined } {
  const device: Record<string, unknown> = { id: cells.device ?? '', kind: cells.kind ?? '' };
  if (cells.kind) device.kind = KIND_WORDS[cells.kind.toLowerCase()] ?? cells.kind;
  if (cells.channels) {
    const parsed = parseChannels(cells.channels);
    if (parsed.ok) device.channels = parsed.channels;
    else refuse('channels', parsed.reason);
  }
  if (cells.space) device.space = cells.space;
  for (const column of ['installedOn', 'replaceBy'] as const) {
    const text = cells[column];
    if (!text) continue;
    const day = normaliseDay(text);
    if (day === undefined) refuse(column, `${JSON.stringify(text)} is not a day: write YYYY-MM-DD, e.g. 2026-03-01`);
    else device[column] = day;
  }
  if (typeof device.installedOn === 'string' && typeof device.replaceBy === 'string' && device.replaceBy <= device.installedOn) {
    refuse('replaceBy', `replacement day ${device.replaceBy} is not after the installation day ${device.installedOn}`);
  }
  if (cells.staleAfterS) {
    const s = Number(cells.staleAfterS);
    if (!Number.isFinite(s) || s <= 0) refuse('staleAfterS', `${JSON.stringify(cells.staleAfterS)} is not a number of seconds above 0`);
    else device.staleAfterS = s;
  }
  if (cells.staleLevel) device.staleLevel = cells.staleLevel.toLowerCase();
  if (cells.obeys) device.obeys = cells.obeys.split(/[;；]/).map((s) => s.trim()).filter((s) => s !== '');
  let auth: DeviceAuth | undefined;
  if (cells.auth) {
    auth = AUTH_WORDS[cells.auth.toLowerCase()];
    if (auth === undefined) refuse('auth', `${JSON.stringify(cells.auth)}: write signed (签名, the default: a one-time password each login) or static (静态: a fixed password)`);
  }
  return { device, auth };
}

function siteFields(id: string, cells: Cells, refuse: (column: ImportColumn, reason: string) => void): Record<string, unknown> {
  const site: Record<string, unknown> = { id, name: cells.siteName };
  for (const column of ['address', 'region', 'org', 'contact', 'contactPhone', 'preset'] as const) if (cells[column]) site[column] = cells[column];
  if (cells.lat || cells.lon) {
    const [lat, lon] = [Number(cells.lat), Number(cells.lon)];
    if (!cells.lat || !cells.lon || !Number.isFinite(lat) || !Number.isFinite(lon)) refuse(cells.lat ? 'lon' : 'lat', 'give both lat and lon as decimal degrees (WGS-84), e.g. 30.5928 and 114.3055');
    else site.location = { lat, lon };
  }
  return site;
}

const DEVICE_FIELD_COLUMN: Record<string, ImportColumn> = { id: 'device', passwordHash: 'auth', loginKey: 'auth' };
const SITE_FIELD_COLUMN: Record<string, ImportColumn> = { id: 'site', name: 'siteName', location: 'lat', reservoirLevels: 'preset', ruleOverrides: 'preset' };

export interface PlanOptions {
  readonly replace?: boolean;
  readonly maxRows?: number;
}

/** Checks every row of a table (header first) against the registry; refuses, never throws. */
export function planImport(records: readonly TableRecord[], fleet: FleetLookup, o: PlanOptions = {}): ImportPlan {
  const steps = planSteps(records, fleet, o);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Rows checked between two turns of the event loop: ~25 ms of work here, so that a file of
 * 100 000 rows does not hold the gateway's alarms and MQTT for seconds. */
const ROWS_PER_TURN = 500;

/** The same, giving the event loop a turn every ROWS_PER_TURN rows. */
export async function planImportYielding(records: readonly TableRecord[], fleet: FleetLookup, o: PlanOptions = {}): Promise<ImportPlan> {
  const steps = planSteps(records, fleet, o);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function* planSteps(records: readonly TableRecord[], fleet: FleetLookup, o: PlanOptions): Generator<void, ImportPlan> {
  const maxRows = o.maxRows ?? IMPORT_LIMITS.maxRows;
  const rows = Math.max(0, records.length - 1);
  const { columns, names, refused } = headerRefusals(records);
  if (records.length === 0) return { rows, sites: [], devices: [], refused: [{ line: 1, column: 'site', reason: 'the file is empty: the first line names the columns, e.g. site,device,kind,channels' }] };
  if (rows > maxRows) refused.push({ line: maxRows + 2, column: names.get('site') ?? 'site', reason: `more than ${maxRows} rows: split the file` });
  if (refused.length > 0) return { rows, sites: [], devices: [], refused };
  if (rows === 0) return { rows, sites: [], devices: [], refused: [{ line: 2, column: names.get('site')!, reason: 'no device rows under the header' }] };

  const sites = new Map<string, { line: number; cells: Cells; site?: NewSite; refusedAt?: number }>();
  const seen = new Map<string, number>();
  const devices: ImportedDevice[] = [];
  const createsSites = SITE_COLUMNS.some((c) => names.has(c));

  let checkedRows = 0;
  for (const record of records.slice(1)) {
    if (++checkedRows % ROWS_PER_TURN === 0) yield;
    const rowRefusals: ImportRefusal[] = [];
    const refuse = (column: ImportColumn, reason: string) => rowRefusals.push({ line: record.line, column: names.get(column) ?? column, reason });
    if (record.cells.length > columns.length && record.cells.slice(columns.length).some((c) => c.trim() !== '')) {
      refused.push({ line: record.line, column: `column ${columns.length + 1}`, reason: `${record.cells.length} cells under a header of ${columns.length} columns (a comma inside a field needs quotes)` });
      continue;
    }
    const cells: Cells = {};
    record.cells.forEach((text, i) => {
      const column = columns[i];
      if (column !== undefined && text.trim() !== '') cells[column] = text.trim();
    });
    const siteId = cells.site ?? '';
    if (!isId(siteId)) refuse('site', siteId === '' ? 'empty: every row names its site' : `${JSON.stringify(siteId)}: use 1–64 characters of A-Z a-z 0-9 _ -`);
    const { device, auth } = rowDevice(cells, refuse);
    const checked = deviceSchema.safeParse({ ...device, auth: 'signed', loginKey: PLACEHOLDER_KEY });
    if (!checked.success) for (const issue of checked.error.issues) refuse(fieldColumn(issue, DEVICE_FIELD_COLUMN), issue.message);

    // The site: in the registry, or created by this file from its first row.
    const inRegistry = isId(siteId) && fleet.hasSite(siteId);
    // Outside the caller's scope a site answers as if it did not exist, and is not created either.
    const hidden = inRegistry && fleet.mayUse !== undefined && !fleet.mayUse(siteId);
    if (hidden) refuse('site', `no site ${siteId}`);
    let siteKnown = inRegistry && !hidden;
    if (isId(siteId) && !inRegistry) {
      const first = sites.get(siteId);
      if (first === undefined) {
        const siteRefusals: ImportRefusal[] = [];
        const refuseSite = (column: ImportColumn, reason: string) => siteRefusals.push({ line: record.line, column: names.get(column) ?? column, reason });
        if (!createsSites || !cells.siteName) {
          refuse('site', `no site ${siteId}: create it first (PUT /api/v1/sites/${siteId}) or give its ${createsSites ? names.get('siteName') ?? 'siteName' : 'siteName (站点名称)'} in this file`);
        } else {
          const fields = siteFields(siteId, cells, refuseSite);
          const site = siteSchema.safeParse({ ...fields, devices: [] });
          if (!site.success) for (const issue of site.error.issues) refuseSite(fieldColumn(issue, SITE_FIELD_COLUMN), issue.message);
          if (cells.region && fleet.hasRegion && !fleet.hasRegion(cells.region)) refuseSite('region', `no region ${cells.region}: regions come from the config file's regions or the registry`);
          if (cells.org && fleet.hasOrg && !fleet.hasOrg(cells.org)) refuseSite('org', `no organisation ${cells.org}: organisations come from the config file's organisations or the registry`);
          if (fleet.mayCreate && !fleet.mayCreate(siteId, cells.region, cells.org)) refuseSite(cells.region ? 'region' : 'org', `a new site ${siteId} must lie within your scope: give a region or organisation of it`);
          rowRefusals.push(...siteRefusals);
          sites.set(siteId, { line: record.line, cells, ...(siteRefusals.length === 0 ? { site: { line: record.line, site: fields as NewSite['site'] } } : { refusedAt: record.line }) });
        }
      } else if (first.site === undefined) {
        refuse('site', `site ${siteId} could not be created from line ${first.refusedAt}`);
      } else {
        for (const column of SITE_COLUMNS) {
          if (cells[column] !== undefined && cells[column] !== first.cells[column]) refuse(column, `differs from line ${first.line}, which creates site ${siteId} (${JSON.stringify(first.cells[column] ?? '')}): a site's columns are taken from its first row`);
        }
      }
      siteKnown = sites.get(siteId)?.site !== undefined;
    }

    const key = `${siteId}/${String(device.id)}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) refuse('device', `device ${key} is already on line ${earlier}`);
    else seen.set(key, record.line);
    const replaces = siteKnown && inRegistry && fleet.hasDevice(siteId, String(device.id));
    if (replaces && !o.replace) refuse('device', `device ${key} already exists: import with replace to change it, or choose another id`);

    if (rowRefusals.length > 0 || !checked.success || !siteKnown) {
      refused.push(...rowRefusals);
      continue;
    }
    // What the row gave, not the schema's output: the registry applies the defaults when it writes.
    devices.push({ line: record.line, site: siteId, device: device as ImportedDevice['device'], auth, replaces });
  }
  const newSites = [...sites.values()].flatMap((s) => (s.site ? [s.site] : []));
  return { rows, sites: newSites, devices, refused: refused.sort((a, b) => a.line - b.line) };
}

function fieldColumn(issue: z.core.$ZodIssue, map: Record<string, ImportColumn>): ImportColumn {
  const field = String(issue.path[0] ?? '');
  return map[field] ?? (field as ImportColumn);
}
