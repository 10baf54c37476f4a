// 100 000 alarms exported through the real HTTP server: every one exactly once, in time order
// even where many share a millisecond (the keyset pages), while the gateway keeps answering.

import { get } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SITE, startTestGateway, testConfig } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import type { RunningGateway } from '../../support/fixture.js';

const ALARMS = 100_000;
const TOKEN = 'sb_test-viewer-export-scale-0123456789abcdefghijklmnop';
const T0 = Date.UTC(2026, 10, 1);

function seed(file: string): void {
  const db = new Database(file);
  const insert = db.prepare(
    `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, kind, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms, cleared_at_ms, acked_at_ms, acked_by, closed_at_ms, closed_by, close_note)
     VALUES (?, ?, 'gas-01', 'ch4', 'methane_lel', 'kitchen-methane', 'threshold', 'yellow', 'orange', 22, 31, 'closed', ?, ?, ?, ?, '值班员 李', ?, '值班员 李', ?)`,
  );
  db.transaction(() => {
    // Ten alarms per raised time, ids not in time order: the pages must follow (time, id).
    for (let i = 0; i < ALARMS; i++) {
      const at = T0 + Math.floor(i / 10) * 60_000;
      insert.run(`al-${String((i * 7919) % ALARMS).padStart(6, '0')}`, i % 3 === 0 ? 'other-site' : DEMO_SITE, at, at, at + 60_000, at + 30_000, at + 120_000, `整改完成，第 ${i} 号, "已复查"`);
    }
  })();
  db.close();
}

function fetchText(url: string): Promise<{ status: number; text: string; firstByteMs: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    get(url, { headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      const chunks: Buffer[] = [];
      let firstByteMs = -1;
      res.on('data', (c: Buffer) => {
        if (firstByteMs < 0) firstByteMs = performance.now() - t0;
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), firstByteMs }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('export at scale', () => {
  const dir = tempDir();
  let g: RunningGateway;
  let base: string;

  beforeAll(async () => {
    const config = testConfig(dir.path, (c) => {
      c.api = { ...c.api, bootstrapTokens: [{ name: 'bureau', role: 'viewer', tokenHash: hashToken(TOKEN) }], rateLimit: { max: 100_000, windowS: 60 } };
    });
    await (await startTestGateway(config)).stop();
    seed(join(dir.path, 'state.db'));
    g = await startTestGateway(config);
    base = `http://127.0.0.1:${g.apiPort}`;
  }, 120_000);
  afterAll(async () => {
    await g?.stop();
    dir.remove();
  });

  it('streams 100 000 alarms once each in (time, id) order while /healthz keeps answering', async () => {
    const t0 = performance.now();
    const exporting = fetchText(`${base}/api/v1/export/alarms`);
    let slowestHealthMs = 0;
    let done = false;
    void exporting.finally(() => (done = true));
    while (!done) {
      const h0 = performance.now();
      await fetchText(`${base}/healthz`);
      slowestHealthMs = Math.max(slowestHealthMs, performance.now() - h0);
      await new Promise((r) => setTimeout(r, 20));
    }
    const { status, text, firstByteMs } = await exporting;
    const totalMs = performance.now() - t0;
    expect(status).toBe(200);
    const records = text.slice(1).split('\r\n').slice(1, -1);
    expect(records).toHaveLength(ALARMS);
    const keys = records.map((r) => {
      const id = r.slice(0, r.indexOf(','));
      const raised = /,(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}),/.exec(r)![1]!;
      return `${raised} ${id}`;
    });
    expect(new Set(keys.map((k) => k.slice(20))).size).toBe(ALARMS);
    expect(keys).toEqual([...keys].sort());
    process.stdout.write(`export of ${ALARMS} alarms as CSV: ${Math.round(totalMs)} ms, ${(text.length / 1e6).toFixed(1)} M chars, first byte ${Math.round(firstByteMs)} ms, slowest /healthz meanwhile ${Math.round(slowestHealthMs)} ms\n`);
    // The first page leaves before the last is read; the gateway answers between pages.
    expect(firstByteMs).toBeLessThan(totalMs / 2);
    expect(slowestHealthMs).toBeLessThan(1000);
  }, 120_000);

  it('filters one site in the query: its two thirds, none of the other', async () => {
    const { text } = await fetchText(`${base}/api/v1/export/alarms?site=${DEMO_SITE}&format=csv`);
    const records = text.slice(1).split('\r\n').slice(1, -1);
    expect(records.length).toBe(ALARMS - Math.ceil(ALARMS / 3));
    expect(records.every((r) => r.split(',')[1] === DEMO_SITE)).toBe(true);
  }, 120_000);

  it('writes them as XLSX too', async () => {
    const t0 = performance.now();
    const res = await fetchText(`${base}/api/v1/export/alarms?format=xlsx&fromMs=${T0}&toMs=${T0 + 999 * 60_000}`);
    expect(res.status).toBe(200);
    process.stdout.write(`export of 10 000 alarms as XLSX: ${Math.round(performance.now() - t0)} ms\n`);
  }, 120_000);
});
