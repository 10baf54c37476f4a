// CSV as the safety bureau's spreadsheet reads it: RFC 4180 quoting, CRLF line ends, a UTF-8 byte
// order mark so Excel shows Chinese instead of mojibake, and text that a spreadsheet would run as
// a formula made inert. Pure.

/** Excel opens a UTF-8 file without this mark as the local ANSI code page (GBK on Chinese Windows). */
export const UTF8_BOM = '\uFEFF';

export type Cell = string | number | null;

/**
 * OWASP "CSV Injection": a cell starting with = + - @ (or a tab or carriage return, which some
 * spreadsheets skip before reading one of those) is run as a formula when the file is opened.
 * A leading apostrophe makes the spreadsheet show it as text. Numbers are left alone: −3.5 is a
 * number, not a formula, and a report needs it as one.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** RFC 4180 §2: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
export function csvField(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  const text = neutraliseFormula(cell);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record with its CRLF (RFC 4180 §2.1). */
export function csvLine(cells: readonly Cell[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}
