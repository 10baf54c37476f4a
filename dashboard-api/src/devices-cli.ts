// `shaobing devices import FILE`: sends a device file to the running gateway's API (only the
// running process can apply it live: its broker and detectors follow the registry) and writes the
// new devices' secrets to a file only its owner can read. Output is for people.

import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { extname } from 'node:path';
import { IMPORT_LIMITS, type ImportRefusal } from '../../gateway/src/registry/provision/import-rows.js';
import { secretsCsv } from './fleet-answers.js';
import { XLSX_TYPE } from './routes/devices-import.js';
import { parseCommandArgs } from './cli-args.js';
import type { CliOutput } from './token-cli.js';

export const DEVICES_USAGE = `Usage: shaobing devices import FILE [--partial] [--replace] [--out secrets.csv] [--api URL] [--token T] [--config FILE]
  Imports devices from a CSV (UTF-8) or XLSX file into the running gateway, which applies them at
  once, and writes each new device's secret to --out (default device-secrets-YYYY-MM-DD.csv, mode
  0600, never overwritten): hand them to the installers; the gateway does not keep them.
  Columns (English or Chinese): site/站点, device/设备, kind/类型, channels/通道 (ch4:methane_lel;co:co_ppm),
  space/空间, installedOn/安装日期, replaceBy/更换日期, auth/认证 (signed, the default, or static),
  and to create sites: siteName/站点名称, address/地址, region/区域, org/单位, contact/联系人, contactPhone/联系电话.
  A file with any refused row applies nothing unless --partial; an existing device is refused unless
  --replace (which keeps its credential). --token: an admin API token, else $SHAOBING_TOKEN.
  --api: the gateway's API, else api.publicUrl or api.host:api.port of the config.`;

interface ImportAnswer {
  readonly applied: number;
  readonly sitesCreated: number;
  readonly secrets: readonly { site: string; device: string; secret: string }[];
  readonly refused: readonly ImportRefusal[];
}

/** One refusal as a person reads it: `line 12, column kind: …`. */
export function refusalLine(r: ImportRefusal): string {
  return `line ${r.line}${r.column ? `, column ${r.column}` : ''}: ${r.reason}`;
}

function contentType(file: string, bytes: Buffer): string {
  const ext = extname(file).toLowerCase();
  if (ext === '.xlsx') return XLSX_TYPE;
  if (ext === '.csv' || ext === '.txt') return 'text/csv';
  // A zip (PK\x03\x04) under another name is a workbook.
  return bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) ? XLSX_TYPE : 'text/csv';
}

export async function devicesCommand(argv: string[], apiUrlOf: (configFile: string | undefined) => string, io: CliOutput, env: { readonly SHAOBING_TOKEN?: string | undefined }): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(DEVICES_USAGE);
    return 0;
  }
  const parsed = parseCommandArgs('shaobing devices', DEVICES_USAGE, rest, { partial: { type: 'boolean', default: false }, replace: { type: 'boolean', default: false }, out: { type: 'string' }, api: { type: 'string' }, token: { type: 'string' }, config: { type: 'string' } }, io);
  if (parsed === 2) return 2;
  const { values, positionals } = parsed;
  if (sub !== 'import' || positionals.length !== 1) {
    io.err(`shaobing devices: give import and one FILE\n\n${DEVICES_USAGE}`);
    return 2;
  }
  const file = positionals[0]!;
  const token = values.token ?? env.SHAOBING_TOKEN;
  if (!token) {
    io.err('shaobing devices import: needs an admin API token: --token T or SHAOBING_TOKEN (make one with shaobing token create --role admin --name NAME)');
    return 2;
  }
  const out = values.out ?? `device-secrets-${new Date().toISOString().slice(0, 10)}.csv`;
  // Checked before sending: the secrets exist only in the answer, so there must be a place for them.
  if (existsSync(out)) {
    io.err(`shaobing devices import: ${out} already exists and may hold secrets handed out before; give another --out`);
    return 2;
  }
  let bytes: Buffer;
  try {
    if (statSync(file).size > IMPORT_LIMITS.maxBytes) {
      io.err(`shaobing devices import: ${file} is larger than ${IMPORT_LIMITS.maxBytes / (1024 * 1024)} MB: split it into files of at most ${IMPORT_LIMITS.maxRows} rows`);
      return 2;
    }
    bytes = readFileSync(file);
  } catch (err) {
    io.err(`shaobing devices import: cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  let base: string;
  try {
    base = (values.api ?? apiUrlOf(values.config)).replace(/\/+$/, '');
  } catch (err) {
    io.err(`shaobing devices import: no API address (--api URL): ${(err as Error).message}`);
    return 2;
  }
  const query = new URLSearchParams({ ...(values.partial ? { partial: 'true' } : {}), ...(values.replace ? { replace: 'true' } : {}) }).toString();
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/devices/import${query ? `?${query}` : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType(file, bytes), accept: 'application/json' },
      body: new Uint8Array(bytes),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    io.err(`shaobing devices import: cannot reach the gateway at ${base} (${cause?.code ?? cause?.message ?? (err as Error).message}): is it running? (--api URL)`);
    return 1;
  }
  const body = (await res.json().catch(() => ({}))) as Partial<ImportAnswer> & { message?: string };
  if (res.status === 422 && Array.isArray(body.refused)) {
    for (const r of body.refused) io.err(refusalLine(r));
    io.err(`${file}: ${body.refused.length} refused; nothing was applied (fix them, or --partial to apply the rest)`);
    return 1;
  }
  if (!res.ok) {
    io.err(`shaobing devices import: the gateway answered ${res.status}: ${body.message ?? res.statusText}`);
    return 1;
  }
  const answer = body as ImportAnswer;
  if (answer.secrets.length > 0) {
    // 0600 from the start (not chmod after): no moment where another user could read the file.
    const fd = openSync(out, 'wx', 0o600);
    try {
      writeSync(fd, secretsCsv(answer.secrets));
    } finally {
      closeSync(fd);
    }
  }
  for (const r of answer.refused) io.err(refusalLine(r));
  io.out(
    `${file}: ${answer.applied} devices applied${answer.sitesCreated ? `, ${answer.sitesCreated} sites created` : ''}${answer.refused.length ? `, ${answer.refused.length} rows refused` : ''}; ` +
      (answer.secrets.length > 0 ? `the secrets of ${answer.secrets.length} new devices are in ${out} (mode 0600): hand them to the installers, the gateway does not keep them` : 'no new secrets'),
  );
  return 0;
}
