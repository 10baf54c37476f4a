// The encoder against a real InfluxDB 1.x (Debian influxd, tests/support/influxd.ts): what is
// written is read back with its exact tags, values and millisecond timestamps, awkward characters
// included, and a replayed point overwrites itself instead of becoming a second point.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePoint, float, int, readingLine, str } from '../../../gateway/src/store/influx/line-protocol.js';
import { V1Writer } from '../../../gateway/src/store/influx/v1-writer.js';
import { historyInfluxQl, historyPoints } from '../../../gateway/src/store/influx/history-query.js';
import { influxdMissing, startInfluxd, type Influxd } from '../../support/influxd.js';

const missing = influxdMissing();
if (missing) console.warn(`InfluxDB line-protocol tests skipped: ${missing}`);

describe.skipIf(missing !== null)('line protocol read back from influxd 1.x', () => {
  let influxd: Influxd;
  let db = 0;
  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.close();
  });

  async function freshWriter(): Promise<{ writer: V1Writer; database: string }> {
    const database = `lp${++db}`;
    const writer = new V1Writer({ url: influxd.url, database });
    await writer.prepare();
    return { writer, database };
  }

  it('reads back exact tags, values and ms timestamps, awkward characters included', async () => {
    const { writer, database } = await freshWriter();
    const awkward = ['a,b', 'a b', 'a=b', 'a\\b', '\\,x', 'ü"\'漏', '=', ' lead', 'x\\ y', 'tail ', '"q"'];
    const t0 = 1_763_880_000_123;
    await writer.write(awkward.map((tag, i) => encodePoint({ measurement: 'reading', tags: { site: tag, channel: 'c' }, fields: { value: float(i + 0.25), seq: int(i), note: str(`n"\\${tag}\n`) }, tsMs: t0 + i })));
    const res = await influxd.query('SELECT site, value, seq, note FROM reading ORDER BY time', database);
    const rows = res.results[0]!.series![0]!.values;
    expect(rows).toEqual(awkward.map((tag, i) => [t0 + i, tag, i + 0.25, i, `n"\\${tag}\n`]));
  });

  it('round-trips random tag values and floats exactly (property, read back)', async () => {
    const { writer, database } = await freshWriter();
    const tag = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom('a', '0', ',', '=', ' ', '\\', '"', "'", 'é', '-') }).filter((s) => !s.endsWith('\\'));
    const samples = fc.sample(fc.tuple(tag, fc.double({ noNaN: true, noDefaultInfinity: true })), { numRuns: 80, seed: 4 });
    // One point per sample, each at its own millisecond under one series key per tag value.
    const t0 = 1_700_000_000_000;
    await writer.write(samples.map(([device, value], i) => readingLine({ site: 's', device, channel: 'c', quantity: 'q', value, seq: i, tsMs: t0 + i })));
    const res = await influxd.query('SELECT device, value, seq FROM reading', database);
    const rows = new Map(res.results[0]!.series![0]!.values.map((r) => [Number(r[0]) - t0, r]));
    samples.forEach(([device, value], i) => {
      // -0 is written as "0" and comes back as 0.
      expect(rows.get(i)).toEqual([t0 + i, device, Object.is(value, -0) ? 0 : value, i]);
    });
  });

  it('overwrites a replayed point instead of adding one (at-least-once is idempotent)', async () => {
    const { writer, database } = await freshWriter();
    const line = (value: number) => readingLine({ site: 'k1', device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', value, seq: 7, tsMs: 1_700_000_000_500 });
    await writer.write([line(3.5)]);
    await writer.write([line(3.5)]);
    await writer.write([line(3.5), line(3.5)]);
    let res = await influxd.query('SELECT count(value) FROM reading', database);
    expect(res.results[0]!.series![0]!.values[0]![1]).toBe(1);
    await writer.write([line(4)]);
    res = await influxd.query('SELECT value, seq FROM reading', database);
    expect(res.results[0]!.series![0]!.values).toEqual([[1_700_000_000_500, 4, 7]]);
  });

  it('finds a point by a name with quotes and backslashes through the history query', async () => {
    const { writer } = await freshWriter();
    const channel = `it's \\ "odd", = x`;
    await writer.write([readingLine({ site: 'k1', device: 'd', channel, quantity: 'q', value: 7.25, seq: 3, tsMs: 5_000 }), readingLine({ site: 'k1', device: 'd', channel: 'its', quantity: 'q', value: 1, seq: 4, tsMs: 5_000 })]);
    const points = historyPoints(await writer.query(historyInfluxQl({ site: 'k1', device: 'd', channel, fromMs: 0, toMs: 10_000, limit: 10 })), true);
    expect(points).toEqual([{ tsMs: 5_000, value: 7.25, seq: 3 }]);
  });
});
