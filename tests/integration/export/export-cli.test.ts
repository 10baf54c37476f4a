// `shaobing export` (the built command) against the state database of a gateway that is running:
// it reads read-only beside the gateway and writes the same file the API serves.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, testConfig, testConfigInput } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';
import type { RunningGateway } from '../../support/fixture.js';
import { addShop, HARD_NOTE, parseCsv, records, seed, SHOP, type Seeded } from './support.js';
import { ALARM_HEADERS } from '../../../dashboard-api/src/export/tables.js';

const CLI = resolve('dist/gateway/src/cli.js');

async function shaobing(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('shaobing export', () => {
  const dir = tempDir();
  let g: RunningGateway;
  let ids: Seeded;
  let configFile: string;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    g = await startTestGateway(testConfig(dir.path, addShop));
    ids = seed(g);
    configFile = join(dir.path, 'shaobing.yaml');
    writeFileSync(configFile, stringify(testConfigInput(dir.path, addShop)));
  });
  afterAll(async () => {
    await g?.stop();
    dir.remove();
  });

  it('writes the days asked for as CSV while the gateway runs', async () => {
    const out = join(dir.path, 'report.csv');
    const run = await shaobing(['export', 'alarms', '--config', configFile, '--from', '2026-12-07', '--to', '2026-12-07', '--out', out], dir.path);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(out);
    const text = readFileSync(out, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toEqual([...ALARM_HEADERS]);
    const list = records(rows);
    expect(list.map((r) => r['告警编号'])).toEqual([ids.shop, ids.hard, ids.stale, ids.formula]);
    expect(list.find((r) => r['告警编号'] === ids.hard)!['整改说明']).toBe(HARD_NOTE);
    expect(readdirSync(dir.path).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('takes the days on the site\'s own clock and names the XLSX file itself', async () => {
    const run = await shaobing(['export', 'alarms', '--config', configFile, '--site', SHOP, '--from', '2026-12-07', '--to', '2026-12-07', '--format', 'xlsx'], dir.path);
    expect(run.code).toBe(0);
    const file = join(dir.path, `告警记录_${SHOP}_2026-12-07_2026-12-07.xlsx`);
    expect(run.stdout.trim()).toBe(file);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    const sheet = book.worksheets[0]!;
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([...ALARM_HEADERS]);
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).getCell(1).value).toBe(ids.shop);
    // 18:15:03 on the Urumqi clock (UTC+6) is 20:15:03 in Shanghai: still 7 December on both.
    expect(sheet.getRow(2).getCell(ALARM_HEADERS.indexOf('发生时间') + 1).value).toBe('2026-12-07 18:15:03');
  });

  it('writes to stdout with --out -', async () => {
    const run = await shaobing(['export', 'devices', '--config', configFile, '--site', SHOP, '--out', '-'], dir.path);
    expect(run.code).toBe(0);
    expect(run.stdout.charCodeAt(0)).toBe(0xfeff);
    expect(records(parseCsv(run.stdout.slice(1))).map((r) => `${r['设备']}/${r['通道']}`)).toEqual(['gas-09/ch4', 'gas-09/co']);
  });

  it('refuses bad dates, dates on a device list and an unknown table with a message and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['export', 'alarms', '--from', '2026-13-01'], /--from must be a calendar day YYYY-MM-DD, not 2026-13-01/],
      [['export', 'alarms', '--from', '2026-12-07', '--to', '2026-12-01'], /--to 2026-12-01 is before --from 2026-12-07/],
      [['export', 'devices', '--from', '2026-12-07'], /device list is as of now/],
      [['export', 'alarms', '--format', 'pdf'], /--format must be csv or xlsx/],
      [['export', 'sensors'], /say what to export: alarms, orders, devices/],
    ];
    for (const [args, message] of cases) {
      const run = await shaobing([...args, '--config', configFile], dir.path);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
    const unknown = await shaobing(['export', 'alarms', '--site', 'nowhere', '--config', configFile], dir.path);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no site nowhere/);
  });
});
