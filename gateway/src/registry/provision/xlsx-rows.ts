// The first worksheet of an XLSX file as table records (csv.ts), through exceljs: each cell as the
// text an installer sees, dates as YYYY-MM-DD, and the sheet's own row numbers as lines.

import ExcelJS from 'exceljs';
import type { TableRecord } from './csv.js';
import { unpackedZipBytes } from './zip-size.js';

/** A workbook of 100 000 device rows unpacks to some 30 MB (shared strings and sheet XML); ten
 * times that still fits the gateway's memory, a zip bomb's gigabytes do not. */
export const MAX_UNPACKED_BYTES = 300 * 1024 * 1024;

export type XlsxRead = { readonly ok: true; readonly records: TableRecord[] } | { readonly ok: false; readonly line: number; readonly reason: string; readonly tooLong?: true };

/** A cell as text: exceljs gives strings, numbers, dates, rich text, formulas with their last
 * result, and hyperlinks; a cell the sheet shows as a date is read as its day (YYYY-MM-DD). */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Excel stores days without a zone; exceljs returns them as UTC midnight.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10);
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('result' in value) return cellText((value.result ?? null) as ExcelJS.CellValue);
  if ('formula' in value || 'sharedFormula' in value) return '';
  if ('text' in value) return typeof value.text === 'string' ? value.text : cellText(value.text as ExcelJS.CellValue);
  if ('error' in value) return String(value.error);
  return '';
}

/** Reads the first worksheet; more rows than `maxRecords` (header included) is refused before any is checked. */
export async function readXlsx(bytes: Uint8Array, maxRecords = Number.POSITIVE_INFINITY): Promise<XlsxRead> {
  const size = unpackedZipBytes(bytes);
  if (!size.ok) return { ok: false, line: 1, reason: `not a readable XLSX workbook: ${size.reason}; save it from Excel or WPS as .xlsx, or send CSV` };
  if (size.bytes > MAX_UNPACKED_BYTES) return { ok: false, line: 1, reason: `the workbook unpacks to ${Math.round(size.bytes / 1024 / 1024)} MB, more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB: send CSV, or split it` };
  const book = new ExcelJS.Workbook();
  try {
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    return { ok: false, line: 1, reason: `not a readable XLSX workbook (${(err as Error).message}); save it from Excel or WPS as .xlsx, or send CSV` };
  }
  const sheet = book.worksheets[0];
  if (!sheet) return { ok: false, line: 1, reason: 'the workbook has no worksheet' };
  if (sheet.actualRowCount > maxRecords) return { ok: false, line: maxRecords + 1, reason: `more than ${maxRecords} records`, tooLong: true };
  const records: TableRecord[] = [];
  const width = sheet.actualColumnCount;
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let c = 1; c <= Math.max(width, row.cellCount); c++) cells.push(cellText(row.getCell(c).value).trim());
    while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
    if (cells.length > 0) records.push({ line: rowNumber, cells });
  });
  return { ok: true, records };
}
