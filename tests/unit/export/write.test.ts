// The export writers alone: CSV fields that survive any text (fast-check against an RFC 4180
// reader), and XLSX that opens whatever an officer pasted into a note.

import fc from 'fast-check';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { csvField, csvLine, neutraliseFormula } from '../../../dashboard-api/src/export/csv.js';
import { contentDisposition, csvStream, xlsxStream } from '../../../dashboard-api/src/export/write.js';
import type { Cell } from '../../../dashboard-api/src/export/csv.js';
import { parseCsv } from '../../integration/export/support.js';

async function bytes(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

async function* pagesOf(rows: Cell[][]): AsyncGenerator<Cell[][]> {
  yield rows;
}

describe('CSV', () => {
  it('reads back every text as written, formulas made text by one leading apostrophe', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }), (rows) => {
        const parsed = parseCsv(rows.map(csvLine).join(''));
        expect(parsed).toEqual(rows.map((r) => r.map(neutraliseFormula)));
      }),
    );
  });

  it('prefixes = + - @ tab and CR, leaves numbers and other text alone', () => {
    expect(['=1+1', '+86 138', '-2', '@SUM(A1)', '\t=1', '\r=1'].map(csvField)).toEqual(["'=1+1", "'+86 138", "'-2", "'@SUM(A1)", "'\t=1", '"\'\r=1"']);
    expect([-3.5, 0, '甲烷 12 %LEL', '−0.35 m', null].map((c) => csvField(c))).toEqual(['-3.5', '0', '甲烷 12 %LEL', '−0.35 m', '']);
  });

  it('starts with the UTF-8 byte order mark and ends each record with CRLF', async () => {
    const text = (await bytes(csvStream(['告警编号', '场所'], pagesOf([['a-1', '老王烧烤']])))).toString('utf8');
    expect(text).toBe('\uFEFF告警编号,场所\r\na-1,老王烧烤\r\n');
  });
});

describe('XLSX', () => {
  it('opens although a note holds control characters XML cannot carry, keeping the rest of the text', async () => {
    const errors: Error[] = [];
    const file = await bytes(xlsxStream('告警记录', ['说明', '公式'], pagesOf([['已整改\u0007\u0000完毕\uD800', '=1+1']]), (e) => errors.push(e)));
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file as unknown as ArrayBuffer);
    const row = book.worksheets[0]!.getRow(2);
    // exceljs drops what XML 1.0 §2.2 forbids; a lone surrogate becomes U+FFFD in UTF-8.
    expect(row.getCell(1).value).toBe('已整改完毕\uFFFD');
    expect(row.getCell(2).type).toBe(ExcelJS.ValueType.String);
    expect(errors).toEqual([]);
  });
});

describe('XLSX past the row limit', () => {
  it('goes on in a second sheet with its own header row', async () => {
    const rows: Cell[][] = [['a-1'], ['a-2'], ['a-3'], ['a-4'], ['a-5']];
    const file = await bytes(xlsxStream('告警记录', ['告警编号'], pagesOf(rows), () => {}, 3));
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file as unknown as ArrayBuffer);
    expect(book.worksheets.map((s) => s.name)).toEqual(['告警记录', '告警记录 (2)', '告警记录 (3)']);
    expect(book.worksheets.map((s) => (s.getSheetValues() as unknown[][]).slice(1).map((r) => r[1]))).toEqual([
      ['告警编号', 'a-1', 'a-2'],
      ['告警编号', 'a-3', 'a-4'],
      ['告警编号', 'a-5'],
    ]);
  });
});

describe('Content-Disposition', () => {
  it('gives an ASCII name and the UTF-8 one (RFC 6266, RFC 5987)', () => {
    expect(contentDisposition('alarms_k-1_2026-12-07.csv', "告警记录_k-1_2026-12-07's.csv")).toBe(
      `attachment; filename="alarms_k-1_2026-12-07.csv"; filename*=UTF-8''%E5%91%8A%E8%AD%A6%E8%AE%B0%E5%BD%95_k-1_2026-12-07%27s.csv`,
    );
  });
});
