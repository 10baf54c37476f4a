// How large a ZIP (an XLSX workbook) becomes once unpacked, read from its central directory before
// anything is inflated: a 20 MB upload can unpack to gigabytes (a "zip bomb"), and exceljs holds
// the whole workbook in memory, which would take the gateway down with it.

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const EOCD_MIN = 22;
/** The end record sits within its fixed size plus the longest comment (65 535 bytes) of the end. */
const EOCD_SEARCH = EOCD_MIN + 0xffff;

/** Bytes the archive unpacks to (the sum of its entries' sizes), or a reason it cannot be told. */
export function unpackedZipBytes(zip: Uint8Array): { ok: true; bytes: number; entries: number } | { ok: false; reason: string } {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = -1;
  for (let i = zip.byteLength - EOCD_MIN; i >= Math.max(0, zip.byteLength - EOCD_SEARCH); i--) {
    if (view.getUint32(i, true) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) return { ok: false, reason: 'not a ZIP archive (an XLSX workbook is one)' };
  const entries = view.getUint16(end + 10, true);
  const dirSize = view.getUint32(end + 12, true);
  let at = view.getUint32(end + 16, true);
  // ZIP64 marks its sizes 0xFFFF / 0xFFFFFFFF: no spreadsheet of ours is that large.
  if (entries === 0xffff || dirSize === 0xffffffff || at === 0xffffffff) return { ok: false, reason: 'a ZIP64 archive: larger than any device file' };
  if (at + dirSize > end) return { ok: false, reason: 'a damaged ZIP archive (its directory lies outside the file)' };
  let bytes = 0;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > end || view.getUint32(at, true) !== CENTRAL) return { ok: false, reason: 'a damaged ZIP archive (bad directory entry)' };
    const size = view.getUint32(at + 24, true);
    if (size === 0xffffffff) return { ok: false, reason: 'a ZIP64 entry: larger than any device file' };
    bytes += size;
    at += 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return { ok: true, bytes, entries };
}
