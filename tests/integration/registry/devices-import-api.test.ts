// Bulk provisioning over the API, on a real state.db with the live registry: a file with bad rows
// names exactly those rows and applies nothing; CSV with a BOM and Chinese headers and XLSX made
// with exceljs are taken; secrets are answered once and never stored in clear.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveLoginKey } from '../../../broker/src/signed-login.js';
import { verifyPassword } from '../../../broker/src/auth.js';
import { parseCsv } from '../../../gateway/src/registry/provision/csv.js';
import { XLSX_TYPE } from '../../../dashboard-api/src/routes/devices-import.js';
import { adminAuth, FLEET_TOKENS, startFleetApi, type FleetApi } from '../../support/fleet-api.js';

const by = { actor: 'seed', atMs: Date.now() };
let api: FleetApi;

beforeEach(async () => {
  api = await startFleetApi();
  api.fleet.putSite({ id: 'k-1', name: '老王烧烤', devices: [] }, by);
});
afterEach(async () => {
  await api.close();
});

function importFile(body: string | Buffer, query = '', headers: Record<string, string> = {}) {
  return api.app.inject({ method: 'POST', url: `/api/v1/devices/import${query}`, headers: { ...adminAuth, 'content-type': 'text/csv', ...headers }, payload: body });
}

/** The answer's secrets file as rows of cells (header first). */
function secretsOf(body: string): string[][] {
  const read = parseCsv(body);
  if (!read.ok) throw new Error(read.reason);
  return read.records.map((r) => [...r.cells]);
}

const auditRows = () => (api.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;

describe('POST /api/v1/devices/import', () => {
  it('names exactly the three bad lines and applies nothing', async () => {
    const file = [
      'site,device,kind,channels,space,installedOn,replaceBy',
      'k-1,gas-01,detector,ch4:methane_lel,kitchen,2026-01-05,2029-01-05',
      'k-1,gas-02,detectr,ch4:methane_lel,kitchen,2026-01-05,2029-01-05',
      'k-1,valve-01,valve,,,2026-01-05,2036-01-05',
      'k-1,gas-03,detector,ch4:methane_percent,kitchen,,',
      'k-1,gas-04,detector,co:co_ppm,kitchen,2026-02-30,',
      'k-1,fan-01,fan,,,,',
    ].join('\n');
    const before = auditRows();
    const res = await importFile(file);
    expect(res.statusCode).toBe(422);
    const body = res.json() as { applied: number; refused: { line: number; column: string; reason: string }[] };
    expect(body.applied).toBe(0);
    expect(body.refused.map((r) => [r.line, r.column])).toEqual([
      [3, 'kind'],
      [5, 'channels'],
      [6, 'installedOn'],
    ]);
    expect(body.refused[2]!.reason).toContain('YYYY-MM-DD');
    expect(api.fleet.site('k-1')!.devices).toEqual([]);
    expect(auditRows()).toBe(before);
  });

  it('with partial=true applies the good rows and reports the bad ones (JSON)', async () => {
    const file = 'site,device,kind,channels\nk-1,gas-01,detector,ch4:methane_lel\nk-1,gas-02,detector,\nk-1,valve-01,valve,\n';
    const res = await importFile(file, '?partial=true', { accept: 'application/json' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { applied: number; secrets: { site: string; device: string; secret: string }[]; refused: { line: number; column: string }[] };
    expect(body.applied).toBe(2);
    expect(body.secrets.map((s) => s.device)).toEqual(['gas-01', 'valve-01']);
    expect(body.refused.map((r) => [r.line, r.column])).toEqual([[3, 'channels']]);
    expect(api.fleet.site('k-1')!.devices.map((d) => d.id)).toEqual(['gas-01', 'valve-01']);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('with partial=true creates no site whose every row was refused, and answers 422 when nothing is left', async () => {
    const res = await importFile('site,siteName,device,kind\nk-7,七号,gas-01,detector\n', '?partial=true');
    expect(res.statusCode).toBe(422);
    expect(api.fleet.site('k-7')).toBeUndefined();
  });

  it('takes CSV with a BOM, CRLF and Chinese headers, creates the sites it names, and answers each secret once as CSV', async () => {
    const file =
      '\ufeff站点,站点名称,地址,设备,类型,通道,空间,安装日期,更换日期,认证\r\n' +
      'k-2,川味小馆,"城关镇解放路 12 号, 后厨",gas-01,探测器,ch4:methane_lel；co:co_ppm,back-kitchen,2026/3/1,2029-03-01,签名\r\n' +
      'k-2,,,valve-01,切断阀,,,2026-03-01,2036-03-01,静态\r\n' +
      'k-1,,,gas-01,detector,ch4:methane_lel,,,,\r\n';
    const res = await importFile(file);
    expect([res.statusCode, res.statusCode === 200 ? '' : res.body]).toEqual([200, '']);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="device-secrets-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = secretsOf(res.body);
    expect(rows[0]).toEqual(['site', 'device', 'username', 'secret']);
    expect(rows.slice(1).map((r) => r.slice(0, 3))).toEqual([
      ['k-2', 'gas-01', 'k-2/gas-01'],
      ['k-2', 'valve-01', 'k-2/valve-01'],
      ['k-1', 'gas-01', 'k-1/gas-01'],
    ]);
    const site = api.fleet.site('k-2')!;
    expect([site.name, site.address]).toEqual(['川味小馆', '城关镇解放路 12 号, 后厨']);
    const gas = api.fleet.device('k-2', 'gas-01')!;
    expect(gas).toMatchObject({ kind: 'detector', auth: 'signed', space: 'back-kitchen', installedOn: '2026-03-01', replaceBy: '2029-03-01' });
    expect(Object.keys(gas.channels)).toEqual(['ch4', 'co']);
    expect(gas.loginKey).toBe(deriveLoginKey(rows[1]![3]!, 'k-2/gas-01').toString('hex'));
    const valve = api.fleet.device('k-2', 'valve-01')!;
    expect(valve.auth).toBe('static');
    expect(await verifyPassword(rows[2]![3]!, valve.passwordHash!)).toBe(true);

    // The secrets are nowhere in the state files (database, WAL), whatever their encoding there.
    api.db.pragma('wal_checkpoint(PASSIVE)');
    const files = readdirSync(api.dir.path).map((f) => readFileSync(join(api.dir.path, f)));
    for (const [, , , secret] of rows.slice(1)) {
      for (const bytes of files) {
        expect(bytes.includes(Buffer.from(secret!))).toBe(false);
        expect(bytes.includes(Buffer.from(secret!.replace(/-/g, '')))).toBe(false);
      }
    }
  });

  it('takes an XLSX workbook made with exceljs, with dates as date cells', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('设备');
    sheet.addRow(['站点', '设备', '类型', '通道', '安装日期', '更换日期']);
    sheet.addRow(['k-1', 'gas-01', 'detector', 'ch4:methane_lel', new Date(Date.UTC(2026, 0, 5)), new Date(Date.UTC(2029, 0, 5))]);
    sheet.addRow(['k-1', 'valve-01', 'valve', '', '2026-01-05', '']);
    const bytes = Buffer.from(await book.xlsx.writeBuffer());
    const res = await importFile(bytes, '', { 'content-type': XLSX_TYPE, accept: 'application/json' });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { applied: number }).applied).toBe(2);
    expect(api.fleet.device('k-1', 'gas-01')).toMatchObject({ installedOn: '2026-01-05', replaceBy: '2029-01-05' });

    // A bad row in a workbook is named by the sheet's row number.
    const bad = new ExcelJS.Workbook();
    const s2 = bad.addWorksheet('设备');
    s2.addRow(['site', 'device', 'kind']);
    s2.addRow(['k-1', 'fan-01', 'fan']);
    s2.addRow(['k-1', 'pump-01', 'pump']);
    const refused = await importFile(Buffer.from(await bad.xlsx.writeBuffer()), '', { 'content-type': XLSX_TYPE });
    expect(refused.statusCode).toBe(422);
    expect((refused.json() as { refused: { line: number; column: string }[] }).refused.map((r) => [r.line, r.column])).toEqual([[3, 'kind']]);
  });

  it('refuses a device that exists unless replace, which keeps its credential', async () => {
    const first = await importFile('site,device,kind,channels\nk-1,gas-01,detector,ch4:methane_lel\n', '', { accept: 'application/json' });
    const key = api.fleet.device('k-1', 'gas-01')!.loginKey;
    const again = await importFile('site,device,kind,channels,replaceBy\nk-1,gas-01,detector,ch4:methane_lel,2029-01-01\n');
    expect(again.statusCode).toBe(422);
    expect((again.json() as { refused: { line: number; reason: string }[] }).refused[0]).toMatchObject({ line: 2, column: 'device' });
    const replaced = await importFile('site,device,kind,channels,replaceBy\nk-1,gas-01,detector,ch4:methane_lel,2029-01-01\n', '?replace=true', { accept: 'application/json' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ applied: 1, secrets: [] });
    expect(api.fleet.device('k-1', 'gas-01')).toMatchObject({ loginKey: key, replaceBy: '2029-01-01' });
    expect(first.statusCode).toBe(200);
  });

  it('refuses a file larger than 20 MB with 413 and a message, and unknown or missing columns on line 1', async () => {
    const big = 'site,device,kind\n' + 'k-1,gas-01,fan\n'.repeat(1_400_000);
    const res = await importFile(big);
    expect(res.statusCode).toBe(413);
    expect(res.json().message).toMatch(/larger than 20 MB/);
    const long = await importFile('site,device,kind\n' + 'k-1,f,fan\n'.repeat(100_001));
    expect([long.statusCode, long.json().message]).toEqual([413, 'the file has more than 100000 rows: split it into files of at most 100000 rows']);
    const odd = await importFile('site,device,kind,chanels\nk-1,fan-01,fan,\n');
    expect(odd.statusCode).toBe(422);
    expect((odd.json() as { refused: { line: number; column: string }[] }).refused).toMatchObject([{ line: 1, column: 'chanels' }]);
    const noKind = await importFile('site,device\nk-1,fan-01\n');
    expect((noKind.json() as { refused: { line: number; column: string }[] }).refused).toMatchObject([{ line: 1, column: 'kind' }]);
    const gbk = await importFile(Buffer.from([0x73, 0x69, 0x74, 0x65, 0x0a, 0xd5, 0xbe, 0xb5, 0xe3, 0x0a]));
    expect(gbk.json().refused[0].reason).toMatch(/not UTF-8/);
  });

  it('names a new site whose region or organisation does not exist, in the file\'s own column, and records who imported', async () => {
    api.fleet.putRegion({ id: 'wuchang', name: '武昌区', level: 'county' }, by);
    api.fleet.putOrganisation({ id: 'wuhan-gas', name: '武汉燃气' }, by);
    const bad = await importFile('站点,站点名称,区域,单位,设备,类型\nk-2,川味,hankou,wuhan-gas,fan-01,fan\nk-3,湘味,wuchang,nobody,fan-01,fan\nk-4,鲁味,wuchang,wuhan-gas,fan-01,fan\n');
    expect((bad.json() as { refused: { line: number; column: string }[] }).refused.map((r) => [r.line, r.column])).toEqual([
      [2, '区域'],
      [3, '单位'],
    ]);
    const good = await importFile('站点,站点名称,区域,单位,设备,类型\nk-4,鲁味,wuchang,wuhan-gas,fan-01,fan\n', '', { accept: 'application/json' });
    expect(good.statusCode).toBe(200);
    expect(api.fleet.site('k-4')).toMatchObject({ region: 'wuchang', org: 'wuhan-gas' });
    const actors = api.db.prepare("SELECT DISTINCT actor FROM audit_log WHERE actor != 'seed'").all() as { actor: string }[];
    expect(actors).toEqual([{ actor: 'admin Wang' }]);
  });

  it('undoes the batches already written when a later one is refused by the registry', async () => {
    api.fleet.putDevices([{ site: 'k-1', device: { id: 'gas-00', kind: 'detector', auth: 'signed', loginKey: 'a'.repeat(64), channels: { ch4: { quantity: 'methane_lel' } }, replaceBy: '2028-01-01' } }], by);
    const before = api.fleet.site('k-1');
    const rows = ['site,siteName,device,kind,channels,replaceBy,obeys', 'k-1,,gas-00,detector,ch4:methane_lel,2030-01-01,', 'k-8,八号,fan-00,fan,,,'];
    for (let i = 1; i <= 2100; i++) rows.push(`k-1,,fan-${i},fan,,,`);
    // An obeyed site that does not exist: the plan leaves it to the registry, which refuses it in the second batch.
    rows.push('k-1,,valve-01,valve,,,nowhere');
    const res = await importFile(rows.join('\n'), '?replace=true');
    expect(res.statusCode).toBe(422);
    expect((res.json() as { refused: { line: number }[] }).refused.map((r) => r.line)).toEqual([rows.length]);
    expect(api.fleet.site('k-1')).toEqual(before);
    expect(api.fleet.site('k-8')).toBeUndefined();
  });

  it('hands out a template in CSV and XLSX that imports as it is', async () => {
    const csv = await api.app.inject({ method: 'GET', url: '/api/v1/devices/import/template', headers: adminAuth });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toMatch(/filename="devices-template\.csv"/);
    expect(csv.body.startsWith('\ufeff站点,站点名称')).toBe(true);
    const applied = await importFile(csv.body, '', { accept: 'application/json' });
    expect([applied.statusCode, (applied.json() as { applied: number }).applied]).toEqual([200, 3]);
    expect(api.fleet.site('kitchen-0001')).toMatchObject({ name: '老王烧烤', contactPhone: '13800000000' });

    const xlsx = await api.app.inject({ method: 'GET', url: '/api/v1/devices/import/template?format=xlsx', headers: adminAuth });
    expect(xlsx.headers['content-type']).toBe(XLSX_TYPE);
    const again = await importFile(xlsx.rawPayload, '?replace=true', { 'content-type': XLSX_TYPE, accept: 'application/json' });
    expect([again.statusCode, (again.json() as { applied: number; secrets: unknown[] }).secrets]).toEqual([200, []]);
  });

  it('is for admins only', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/api/v1/devices/import', headers: { authorization: `Bearer ${FLEET_TOKENS.viewer}`, 'content-type': 'text/csv' }, payload: 'site,device,kind\n' });
    expect(res.statusCode).toBe(403);
  });
});
