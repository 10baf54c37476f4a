// An export as a byte stream: CSV (csv.ts) or XLSX through exceljs's streaming writer, which
// writes each row to the zip as it comes instead of building the workbook in memory. exceljs:
// the most used spreadsheet library on npm that both writes in a stream and reads back (the
// tests read our files with it); SheetJS no longer publishes to the npm registry.

import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { csvLine, UTF8_BOM, type Cell } from './csv.js';

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export function csvStream(headers: readonly string[], pages: AsyncIterable<Cell[][]>): Readable {
  async function* lines(): AsyncGenerator<string> {
    yield UTF8_BOM + csvLine(headers);
    for await (const page of pages) yield page.map(csvLine).join('');
  }
  return Readable.from(lines());
}

/** Excel's rows per sheet (Excel specifications and limits: 1 048 576 rows). */
export const XLSX_MAX_ROWS = 1_048_576;

/**
 * Cells are written typed: text as text (never as a formula, so `=cmd|…` in a note stays inert
 * without the CSV's apostrophe), numbers as numbers. Past Excel's row limit the rows go on in a
 * second sheet (`告警记录 (2)`), each with the header row, rather than a file Excel refuses.
 */
export function xlsxStream(sheetName: string, headers: readonly string[], pages: AsyncIterable<Cell[][]>, onError: (err: Error) => void, maxRows = XLSX_MAX_ROWS): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: true });
  const addSheet = (n: number) => {
    const sheet = workbook.addWorksheet(n === 1 ? sheetName : `${sheetName} (${n})`, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = headers.map((h) => ({ header: h, width: Math.max(10, h.length * 2 + 4) }));
    sheet.getRow(1).font = { bold: true };
    sheet.getRow(1).commit();
    return sheet;
  };
  void (async () => {
    let sheets = 1;
    let sheet = addSheet(sheets);
    let rows = 1;
    for await (const page of pages) {
      for (const cells of page) {
        if (rows === maxRows) {
          sheet.commit();
          sheet = addSheet(++sheets);
          rows = 1;
        }
        sheet.addRow(cells).commit();
        rows++;
      }
      // exceljs writes without waiting for the reader: wait for a slow client between pages, and
      // stop reading the database once it has gone.
      while (out.writableNeedDrain && !out.destroyed) await Promise.race([once(out, 'drain'), once(out, 'close')]);
      if (out.destroyed) return;
    }
    sheet.commit();
    await workbook.commit();
  })().catch((err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    onError(e);
    out.destroy(e);
  });
  return out;
}

/** `告警记录_2026-12-01_2026-12-07.xlsx` as RFC 6266 wants it: an ASCII fallback, then RFC 5987 UTF-8. */
export function contentDisposition(asciiName: string, utf8Name: string): string {
  const safeAscii = asciiName.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${safeAscii}"; filename*=UTF-8''${encodeURIComponent(utf8Name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
