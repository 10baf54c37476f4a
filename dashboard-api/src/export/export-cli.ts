// `shaobing export alarms|orders|devices`: the API's export written to a file from the state
// database of a config's data directory, opened read-only (SQLite WAL lets it read while the
// gateway writes). Dates are calendar days on the site's clock (or the default zone's).

import { createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { statePath } from '../../../gateway/src/store/state-db.js';
import { addDays, localToUtcMs } from '../../../gateway/src/notify/local-time.js';
import type { Config } from '../../../gateway/src/config/schema.js';
import { ExportSourceQuery } from '../../../gateway/src/export/export-source-query.js';
import { siteLastReader } from '../device-last-store.js';
import { knowsSite, runExport, siteLookup, type ExportInputs } from './run-export.js';
import { DEFAULT_TIME_ZONE, EXPORT_TABLES, type ExportTable } from './tables.js';
import { EXPORT_FORMATS, type ExportFormat } from './write.js';
import type { CliOutput } from '../token-cli.js';

export const EXPORT_USAGE = `Usage: shaobing export alarms|orders|devices [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--site SITE]
                      [--format csv|xlsx] [--out FILE|-] [--config FILE]
  --from, --to   calendar days, both included, on the site's clock (without --site: Asia/Shanghai);
                 alarms by when raised, orders by when issued; devices take no dates
  --out          the file to write (default: the export's own name in this directory); - for stdout`;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function isDay(text: string): boolean {
  if (!DAY.test(text)) return false;
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const at = new Date(Date.UTC(y, m - 1, d));
  return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d;
}

/** Runs the command; resolves to the exit code. */
export async function exportCommand(argv: string[], loadConfig: (configFile: string | undefined) => Config, io: CliOutput & { stdout: NodeJS.WritableStream }): Promise<number> {
  const [table, ...rest] = argv;
  const fail = (message: string) => (io.err(`shaobing export: ${message}\n\n${EXPORT_USAGE}`), 2);
  if (!(EXPORT_TABLES as readonly string[]).includes(table ?? '')) return fail(`say what to export: ${EXPORT_TABLES.join(', ')}`);
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      options: { from: { type: 'string' }, to: { type: 'string' }, site: { type: 'string' }, format: { type: 'string', default: 'csv' }, out: { type: 'string' }, config: { type: 'string' } },
    }));
  } catch (err) {
    return fail((err as Error).message);
  }
  if (!(EXPORT_FORMATS as readonly string[]).includes(values.format)) return fail(`--format must be csv or xlsx, not ${values.format}`);
  for (const name of ['from', 'to'] as const) {
    const v = values[name];
    if (v !== undefined && !isDay(v)) return fail(`--${name} must be a calendar day YYYY-MM-DD, not ${v}`);
    if (v !== undefined && table === 'devices') return fail(`--${name}: a device list is as of now and takes no dates`);
  }
  if (values.from !== undefined && values.to !== undefined && values.from > values.to) return fail(`--to ${values.to} is before --from ${values.from}`);

  const config = loadConfig(values.config);
  const file = statePath(config.storage.dataDir);
  if (!existsSync(file)) {
    io.err(`shaobing export: no state database at ${file} (storage.dataDir): start the gateway once with this config, or give the config it runs with (--config)`);
    return 1;
  }
  const label = siteLookup(config.sites);
  const tz = values.site !== undefined ? label(values.site).timeZone : DEFAULT_TIME_ZONE;
  const fromMs = values.from === undefined ? undefined : localToUtcMs(values.from, '00:00', tz);
  const toMs = values.to === undefined ? undefined : localToUtcMs(addDays(values.to, 1).date, '00:00', tz) - 1;

  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    // A command line composes: the gateway's export source over the read-only connection (its
    // indexes are the running gateway's to make), the API's reader of its own last values.
    const inputs: ExportInputs = { source: new ExportSourceQuery(db), sites: config.sites, lastOf: siteLastReader(db) };
    if (values.site !== undefined && !knowsSite(inputs, values.site)) {
      io.err(`shaobing export: no site ${values.site}: it is neither configured nor named by any alarm or order`);
      return 1;
    }
    let failed: Error | undefined;
    const made = runExport(inputs, { table: table as ExportTable, format: values.format as ExportFormat, fromMs, toMs, site: values.site }, label, Date.now(), (err) => (failed = err));
    if (values.out === '-') {
      await pipeline(made.body, io.stdout, { end: false });
      return failed ? 1 : 0;
    }
    const out = resolve(values.out ?? made.fileName);
    // Written aside and renamed at the end: an interrupted export leaves no half file under the name.
    const part = `${out}.part`;
    try {
      await pipeline(made.body, createWriteStream(part));
      if (failed) throw failed;
      renameSync(part, out);
    } catch (err) {
      rmSync(part, { force: true });
      throw err;
    }
    io.out(out);
    return 0;
  } finally {
    db.close();
  }
}
