import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../gateway/src/registry/provision/csv.js';
import { normaliseDay, parseChannels, planImport, planImportYielding } from '../../../gateway/src/registry/provision/import-rows.js';
import { headerKey } from '../../../gateway/src/registry/provision/import-columns.js';

const registry = (sites: Record<string, string[]>) => ({ hasSite: (s: string) => s in sites, hasDevice: (s: string, d: string) => sites[s]?.includes(d) ?? false });

function plan(text: string, sites: Record<string, string[]> = { 'k-1': [] }, o: { replace?: boolean; maxRows?: number } = {}) {
  const read = parseCsv(text);
  if (!read.ok) throw new Error(read.reason);
  return planImport(read.records, registry(sites), o);
}

describe('CSV (RFC 4180)', () => {
  it('reads quoted commas, doubled quotes and line breaks, naming each record by the line it starts on', () => {
    const read = parseCsv('\ufeffa,b\r\n"x, y","say ""hi"""\r\n"two\nlines",z\n\nlast,row');
    expect(read).toEqual({
      ok: true,
      records: [
        { line: 1, cells: ['a', 'b'] },
        { line: 2, cells: ['x, y', 'say "hi"'] },
        { line: 3, cells: ['two\nlines', 'z'] },
        { line: 6, cells: ['last', 'row'] },
      ],
    });
  });

  it('refuses an unclosed quote at the line it opened, and a stray quote', () => {
    expect(parseCsv('a,b\n"open,x\ny,z\n')).toMatchObject({ ok: false, line: 2, reason: expect.stringMatching(/never closed/) });
    expect(parseCsv('a,b\nab"c,d\n')).toMatchObject({ ok: false, line: 2 });
    expect(parseCsv('a,b\n"ab"c,d\n')).toMatchObject({ ok: false, line: 2 });
  });

  it('stops at maxRecords', () => {
    expect(parseCsv('h\n1\n2\n3\n', 3)).toMatchObject({ ok: false, reason: 'more than 3 records' });
    expect(parseCsv('h\n1\n2\n', 3)).toMatchObject({ ok: true });
  });
});

describe('import columns and values', () => {
  it('matches headers across case, spaces, underscores and a bracketed hint', () => {
    expect(headerKey('Installed On')).toBe(headerKey('installed_on'));
    expect(headerKey('安装日期（YYYY-MM-DD）')).toBe(headerKey('安装日期'));
  });

  it('reads days as spreadsheets write them and refuses days that do not exist', () => {
    expect(normaliseDay('2026/3/1')).toBe('2026-03-01');
    expect(normaliseDay('2026.03.01')).toBe('2026-03-01');
    expect(normaliseDay('2026-02-29')).toBeUndefined();
    expect(normaliseDay('2028-02-29')).toBe('2028-02-29');
    expect(normaliseDay('01/03/2026')).toBeUndefined();
  });

  it('reads channels with ASCII or full-width separators', () => {
    expect(parseChannels('ch4:methane_lel；co：co_ppm')).toEqual({ ok: true, channels: { ch4: { quantity: 'methane_lel' }, co: { quantity: 'co_ppm' } } });
    expect(parseChannels('ch4=methane_lel')).toMatchObject({ ok: false });
    expect(parseChannels('ch4:methane_lel;ch4:co_ppm')).toMatchObject({ ok: false, reason: 'channel ch4 appears twice' });
  });
});

describe('planImport', () => {
  it('accepts good rows with Chinese words for kind and auth, keeping only what the row gave', () => {
    const p = plan('站点,设备,类型,通道,认证\nk-1,gas-01,探测器,ch4:methane_lel,\nk-1,valve-01,切断阀,,静态\n');
    expect(p.refused).toEqual([]);
    expect(p.devices).toEqual([
      { line: 2, site: 'k-1', device: { id: 'gas-01', kind: 'detector', channels: { ch4: { quantity: 'methane_lel' } } }, auth: undefined, replaces: false },
      { line: 3, site: 'k-1', device: { id: 'valve-01', kind: 'valve' }, auth: 'static', replaces: false },
    ]);
  });

  it('refuses unknown, repeated and missing columns on line 1 and checks no row', () => {
    const p = plan('site,device,device,colour\nk-1,a,b,red\n');
    expect(p.refused.map((r) => [r.line, r.column])).toEqual([
      [1, 'device'],
      [1, 'colour'],
      [1, 'kind'],
    ]);
    expect(p.devices).toEqual([]);
  });

  it('names a row with more cells than columns (an unquoted comma)', () => {
    const p = plan('site,device,kind\nk-1,fan-01,fan,extra\n');
    expect(p.refused).toMatchObject([{ line: 2, column: 'column 4', reason: expect.stringMatching(/quotes/) }]);
  });

  it('refuses a site neither in the registry nor created by the file, naming how to create it', () => {
    const p = plan('site,device,kind\nk-2,fan-01,fan\n');
    expect(p.refused).toMatchObject([{ line: 2, column: 'site', reason: expect.stringMatching(/no site k-2: create it first \(PUT \/api\/v1\/sites\/k-2\) or give its siteName/) }]);
  });

  it('creates a site from its first row; a later row that differs is refused, an empty one follows', () => {
    const p = plan('site,siteName,address,device,kind\nk-2,川味,路 1 号,fan-01,fan\nk-2,,,fan-02,fan\nk-2,湘味,,fan-03,fan\n');
    expect(p.sites).toEqual([{ line: 2, site: { id: 'k-2', name: '川味', address: '路 1 号' } }]);
    expect(p.devices.map((d) => d.line)).toEqual([2, 3]);
    expect(p.refused).toMatchObject([{ line: 4, column: 'siteName', reason: expect.stringMatching(/differs from line 2/) }]);
  });

  it("refuses the rows of a site whose creation was refused, pointing at the site's line", () => {
    const p = plan('site,siteName,lat,device,kind\nk-2,川味,30.5,fan-01,fan\nk-2,,,fan-02,fan\n');
    expect(p.refused.map((r) => [r.line, r.column])).toEqual([
      [2, 'lon'],
      [3, 'site'],
    ]);
    expect(p.refused[1]!.reason).toBe('site k-2 could not be created from line 2');
  });

  it('refuses a duplicate within the file and an existing device unless replace', () => {
    const text = 'site,device,kind\nk-1,fan-01,fan\nk-1,fan-01,fan\nk-1,fan-09,fan\n';
    const p = plan(text, { 'k-1': ['fan-09'] });
    expect(p.refused.map((r) => [r.line, r.reason])).toEqual([
      [3, 'device k-1/fan-01 is already on line 2'],
      [4, 'device k-1/fan-09 already exists: import with replace to change it, or choose another id'],
    ]);
    const replaced = plan(text.replace('k-1,fan-01,fan\nk-1,fan-01,fan\n', ''), { 'k-1': ['fan-09'] }, { replace: true });
    expect(replaced.devices).toMatchObject([{ line: 2, replaces: true }]);
  });

  it('refuses a replacement day not after the installation day, and a bad staleAfterS', () => {
    const p = plan('site,device,kind,installedOn,replaceBy,staleAfterS\nk-1,fan-01,fan,2026-03-01,2026-03-01,\nk-1,fan-02,fan,,,soon\n');
    expect(p.refused.map((r) => [r.line, r.column])).toEqual([
      [2, 'replaceBy'],
      [3, 'staleAfterS'],
    ]);
  });

  it('bounds the rows, and says an empty file or a header alone is no import', () => {
    expect(plan('site,device,kind\n' + 'k-1,fan,fan\n'.repeat(4), undefined, { maxRows: 3 }).refused).toMatchObject([{ line: 5, reason: 'more than 3 rows: split the file' }]);
    expect(planImport([], registry({})).refused[0]!.reason).toMatch(/empty/);
    expect(plan('site,device,kind\n').refused).toMatchObject([{ line: 2, reason: 'no device rows under the header' }]);
  });

  it('gives the event loop turns on a large file and plans the same', async () => {
    const text = 'site,device,kind\n' + Array.from({ length: 2000 }, (_, i) => `k-1,fan-${i},fan`).join('\n');
    const read = parseCsv(text);
    if (!read.ok) throw new Error(read.reason);
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    const yielded = await planImportYielding(read.records, registry({ 'k-1': [] }));
    clearInterval(tick);
    expect(yielded).toEqual(planImport(read.records, registry({ 'k-1': [] })));
    expect(yielded.devices).toHaveLength(2000);
    expect(turns).toBeGreaterThan(0);
  });
});
