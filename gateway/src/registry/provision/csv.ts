// CSV as RFC 4180 defines it (quoted fields may hold commas, quotes and line breaks), read into
// records that remember the line of the file each starts on, so a refusal can name it.

/** One record of a table file: its cells as text, and the line (1-based) it starts on. */
export interface TableRecord {
  readonly line: number;
  readonly cells: readonly string[];
}

/** `tooLong`: refused for holding more than `maxRecords` records (a size bound, not a mistake in a row). */
export type CsvRead = { readonly ok: true; readonly records: TableRecord[] } | { readonly ok: false; readonly line: number; readonly reason: string; readonly tooLong?: true };

/**
 * Parses CSV text. A leading UTF-8 byte-order mark (Excel writes one for "CSV UTF-8") is dropped;
 * CRLF and LF both end a record; `maxRecords` stops a file too long to take before it is all read.
 */
export function parseCsv(text: string, maxRecords = Number.POSITIVE_INFINITY): CsvRead {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: TableRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let quoted = false;
  let quoteLine = 0;
  const endRecord = (): boolean => {
    cells.push(cell);
    // A line with nothing on it (a trailing newline, a blank line between blocks) is no record.
    if (cells.length > 1 || cells[0] !== '') records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
    return records.length <= maxRecords;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const after = src[i];
        if (after !== undefined && after !== ',' && after !== '\r' && after !== '\n') {
          return { ok: false, line, reason: `a quoted field must end at a comma or the end of the line, not at ${JSON.stringify(after)} (write a quote inside a field as "")` };
        }
        continue;
      }
      if (c === '\n') line++;
      cell += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (cell !== '') return { ok: false, line, reason: 'a quote inside an unquoted field: quote the whole field and double the quote ("")' };
      quoted = true;
      quoteLine = line;
      i++;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
      i++;
    } else if (c === '\r' || c === '\n') {
      i += c === '\r' && src[i + 1] === '\n' ? 2 : 1;
      if (!endRecord()) return { ok: false, line, reason: `more than ${maxRecords} records`, tooLong: true };
      line++;
      recordLine = line;
    } else {
      cell += c;
      i++;
    }
  }
  if (quoted) return { ok: false, line: quoteLine, reason: 'a quoted field is never closed' };
  if (cell !== '' || cells.length > 0) {
    if (!endRecord()) return { ok: false, line, reason: `more than ${maxRecords} records`, tooLong: true };
  }
  return { ok: true, records };
}
