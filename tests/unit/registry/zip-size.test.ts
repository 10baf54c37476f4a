import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { unpackedZipBytes } from '../../../gateway/src/registry/provision/zip-size.js';
import { MAX_UNPACKED_BYTES, readXlsx } from '../../../gateway/src/registry/provision/xlsx-rows.js';

async function workbook(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.addWorksheet('设备').addRow(['site', 'device', 'kind']);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** The same archive with its first directory entry claiming `bytes` unpacked, as a zip bomb's does. */
function claiming(zip: Buffer, bytes: number): Buffer {
  const out = Buffer.from(zip);
  const at = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  out.writeUInt32LE(bytes, at + 24);
  return out;
}

describe('unpacked size of a workbook', () => {
  it('adds up the entries of an XLSX made by exceljs', async () => {
    const size = unpackedZipBytes(await workbook());
    expect(size).toMatchObject({ ok: true });
    if (size.ok) {
      expect(size.entries).toBeGreaterThan(5);
      expect(size.bytes).toBeGreaterThan(1000);
      expect(size.bytes).toBeLessThan(1_000_000);
    }
  });

  it('refuses a workbook that would unpack past the bound before inflating it', async () => {
    const bomb = claiming(await workbook(), MAX_UNPACKED_BYTES + 1);
    const read = await readXlsx(bomb);
    expect(read).toMatchObject({ ok: false, line: 1, reason: expect.stringMatching(/unpacks to 300 MB, more than 300 MB/) });
  });

  it('says plainly when the bytes are no ZIP at all', async () => {
    expect(unpackedZipBytes(Buffer.from('site,device,kind\n'))).toMatchObject({ ok: false, reason: expect.stringMatching(/not a ZIP/) });
    expect(await readXlsx(Buffer.from('site,device,kind\n'))).toMatchObject({ ok: false, reason: expect.stringMatching(/not a readable XLSX workbook: not a ZIP/) });
  });
});
