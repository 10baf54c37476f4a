// GET /api/v1/export/{alarms,orders,devices}: the safety bureau's files from the real gateway's
// state.db, read back as a spreadsheet would read them.

import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { call, startApiGateway } from '../api/helpers.js';
import type { RunningGateway } from '../../support/fixture.js';
import { addShop, DAY_END, DAY_START, FORMULA_NOTE, HARD_NOTE, parseCsv, records, seed, SHOP, SHOP_NAME, type Seeded } from './support.js';
import { ALARM_HEADERS, ORDER_HEADERS } from '../../../dashboard-api/src/export/tables.js';

describe('export API', () => {
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let g: RunningGateway;
  let ids: Seeded;

  beforeAll(async () => {
    env = await startApiGateway(addShop);
    g = env.gateway;
    ids = seed(g);
  });
  afterAll(async () => {
    await env?.stop();
  });

  const day = `fromMs=${DAY_START}&toMs=${DAY_END}`;

  it('writes the day\'s alarms as CSV that parses back to the same text: BOM, CRLF, quoting, Chinese', async () => {
    const res = await call(g, 'viewer', { method: 'GET', url: `/api/v1/export/alarms?${day}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const body = res.rawPayload.toString('utf8');
    expect(body.startsWith('\uFEFF')).toBe(true);
    const rows = parseCsv(body.slice(1));
    expect(rows[0]).toEqual([...ALARM_HEADERS]);
    const byId = new Map(records(rows).map((r) => [r['告警编号']!, r]));
    // In the range and oldest first; the alarm of 1 December is outside it.
    expect(records(rows).map((r) => r['告警编号'])).toEqual([ids.shop, ids.hard, ids.stale, ids.formula]);
    const hard = byId.get(ids.hard)!;
    expect(hard['整改说明']).toBe(HARD_NOTE);
    expect(hard['发生时间']).toBe('2026-12-07 22:15:03');
    expect(hard['解除时间']).toBe('2026-12-07 22:16:03');
    expect(hard['告警类型']).toBe('甲烷报警');
    expect(hard['监测量']).toBe('甲烷');
    expect(hard['级别']).toBe('黄色(III级)');
    expect(hard['状态']).toBe('已销号');
    expect(hard['确认人']).toBe('值班员 李');
    expect(hard['峰值']).toBe('31.5 %LEL');
    expect(hard['场所']).toBe('示范餐馆后厨 (demo restaurant kitchen)');
    // A silent detector is told as silence, as the page tells it.
    expect(byId.get(ids.stale)!['告警类型']).toBe('数据中断');
    expect(byId.get(ids.stale)!['数值']).toBe('112 秒');
    // The shop's times are on its own clock (Asia/Urumqi, UTC+6); its name keeps comma and quotes.
    expect(byId.get(ids.shop)!['发生时间']).toBe('2026-12-07 18:15:03');
    expect(byId.get(ids.shop)!['场所']).toBe(SHOP_NAME);
  });

  it('neutralises cells a spreadsheet would run as formulas, in CSV', async () => {
    const res = await call(g, 'viewer', { method: 'GET', url: `/api/v1/export/alarms?${day}` });
    const r = records(parseCsv(res.rawPayload.toString('utf8').slice(1))).find((x) => x['告警编号'] === ids.formula)!;
    expect(r['整改说明']).toBe(`'${FORMULA_NOTE}`);
    expect(r['确认人']).toBe("'@officer");
  });

  it('filters by site and range in the query', async () => {
    const res = await call(g, 'viewer', { method: 'GET', url: `/api/v1/export/alarms?${day}&site=${SHOP}` });
    expect(res.statusCode).toBe(200);
    expect(records(parseCsv(res.rawPayload.toString('utf8').slice(1))).map((r) => r['告警编号'])).toEqual([ids.shop]);
    const closed = await call(g, 'viewer', { method: 'GET', url: `/api/v1/export/alarms?${day}&state=closed,cleared&level=yellow` });
    expect(records(parseCsv(closed.rawPayload.toString('utf8').slice(1))).map((r) => r['告警编号'])).toEqual([ids.hard, ids.formula]);
    const all = await call(g, 'viewer', { method: 'GET', url: '/api/v1/export/alarms' });
    expect(records(parseCsv(all.rawPayload.toString('utf8').slice(1))).map((r) => r['告警编号'])).toContain(ids.before);
  });

  it('names the file in Chinese and in ASCII (RFC 5987 / RFC 6266)', async () => {
    const res = await call(g, 'viewer', { method: 'GET', url: `/api/v1/export/alarms?${day}&site=${DEMO_SITE}&format=xlsx` });
    const cd = String(res.headers['content-disposition']);
    expect(cd).toContain(`filename="alarms_${DEMO_SITE}_2026-12-07_2026-12-07.xlsx"`);
    expect(cd).toContain(`filename*=UTF-8''${encodeURIComponent(`告警记录_${DEMO_SITE}_2026-12-07_2026-12-07.xlsx`)}`);
    expect(res.headers['cache-control']).toBe('no-store');
    const open = await call(g, 'viewer', { method: 'GET', url: `/api/v1/export/orders?toMs=${DAY_END}` });
    expect(String(open.headers['content-disposition'])).toContain(`filename="stop-work-orders_until_2026-12-07.csv"; filename*=UTF-8''${encodeURIComponent('停产停工指令_至2026-12-07.csv')}`);
  });

  it('writes XLSX that opens with Chinese headers, the same text, and formulas as plain text', async () => {
    const res = await call(g, 'viewer', { method: 'GET', url: `/api/v1/export/alarms?${day}&format=xlsx` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.name).toBe('告警记录');
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([...ALARM_HEADERS]);
    expect(sheet.rowCount).toBe(5);
    const col = (h: string) => ALARM_HEADERS.indexOf(h as (typeof ALARM_HEADERS)[number]) + 1;
    const rowOf = (id: string) => [2, 3, 4, 5].map((n) => sheet.getRow(n)).find((r) => r.getCell(1).value === id)!;
    // XML keeps a line break as LF (XML 1.0 §2.11), which is what Excel writes for Alt+Enter.
    expect(rowOf(ids.hard).getCell(col('整改说明')).value).toBe(HARD_NOTE.replaceAll('\r\n', '\n'));
    const formula = rowOf(ids.formula).getCell(col('整改说明'));
    expect(formula.type).toBe(ExcelJS.ValueType.String);
    expect(formula.value).toBe(FORMULA_NOTE);
  });

  it('exports stop-work orders of the range and the configured devices', async () => {
    const orders = await call(g, 'viewer', { method: 'GET', url: `/api/v1/export/orders?${day}` });
    expect(orders.statusCode).toBe(200);
    const rows = parseCsv(orders.rawPayload.toString('utf8').slice(1));
    expect(rows[0]).toEqual([...ORDER_HEADERS]);
    expect(records(rows)).toEqual([expect.objectContaining({ 指令编号: ids.orderId, 状态: '生效中', 原因: '甲烷浓度超标，停产停工', 关联告警: ids.hard, 下达时间: '2026-12-07 22:15:08' })]);
    const none = await call(g, 'viewer', { method: 'GET', url: `/api/v1/export/orders?${day}&site=${SHOP}` });
    expect(parseCsv(none.rawPayload.toString('utf8').slice(1))).toHaveLength(1);

    const devices = await call(g, 'viewer', { method: 'GET', url: '/api/v1/export/devices' });
    expect(devices.statusCode).toBe(200);
    const list = records(parseCsv(devices.rawPayload.toString('utf8').slice(1)));
    expect(list.map((d) => `${d['场所编号']}/${d['设备']}/${d['通道']}/${d['监测量']}`)).toEqual([
      `${DEMO_SITE}/gas-01/ch4/甲烷`,
      `${DEMO_SITE}/gas-01/co/一氧化碳`,
      `${DEMO_SITE}/valve-01//`,
      `${DEMO_SITE}/fan-01//`,
      `${SHOP}/gas-09/ch4/甲烷`,
      `${SHOP}/gas-09/co/一氧化碳`,
    ]);
    expect(list[2]!['设备类型']).toBe('切断阀');
    const shopOnly = await call(g, 'viewer', { method: 'GET', url: `/api/v1/export/devices?site=${SHOP}&format=xlsx` });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(shopOnly.rawPayload as unknown as ArrayBuffer);
    expect(book.worksheets[0]!.rowCount).toBe(3);
  });

  it('gives each device channel its last reading and when the device was last heard', async () => {
    const client = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    try {
      await client.publishAsync(g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never }), JSON.stringify({ ts: Date.now(), seq: 1, readings: { ch4: 3.2, co: 4 }, meta: { battery: 87 } }), { qos: 1 });
      // The last values reach state.db in batches of a few seconds (live-state.ts).
      const ch4 = await eventually(
        async () => {
          const res = await call(g, 'viewer', { method: 'GET', url: `/api/v1/export/devices?site=${DEMO_SITE}` });
          const row = records(parseCsv(res.rawPayload.toString('utf8').slice(1))).find((r) => r['设备'] === 'gas-01' && r['通道'] === 'ch4');
          return row?.['最新读数'] ? row : undefined;
        },
        15_000,
        'the reading in the device export',
      );
      expect(ch4['最新读数']).toBe('3.2 %LEL');
      expect(ch4['最后上报时间']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(ch4['电量(%)']).toBe('87');
    } finally {
      await client.endAsync();
    }
  }, 30_000);

  it('documents the three exports in the OpenAPI document', async () => {
    const doc = (await call(g, null, { method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, { get?: { parameters?: { name: string }[] } }> };
    for (const table of ['alarms', 'orders', 'devices']) expect(doc.paths[`/api/v1/export/${table}`]?.get, table).toBeDefined();
    expect(doc.paths['/api/v1/export/alarms']!.get!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['fromMs', 'toMs', 'site', 'format']));
  });

  it('refuses bad parameters with 400 and a message, an unknown site with 404, no token with 401', async () => {
    const cases: [string, RegExp][] = [
      [`/api/v1/export/alarms?fromMs=${DAY_END}&toMs=${DAY_START}`, /toMs must not be before fromMs/],
      ['/api/v1/export/alarms?format=pdf', /format/],
      ['/api/v1/export/alarms?state=burning', /burning is not one of/],
      ['/api/v1/export/alarms?fromMs=yesterday', /fromMs/],
      ['/api/v1/export/alarms?site=a%20b', /site must be an id/],
      [`/api/v1/export/devices?fromMs=${DAY_START}`, /fromMs/],
    ];
    for (const [url, message] of cases) {
      const res = await call(g, 'viewer', { method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message, url).toMatch(message);
    }
    const unknown = await call(g, 'viewer', { method: 'GET', url: '/api/v1/export/alarms?site=nowhere' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toMatch(/no site nowhere/);
    expect((await call(g, null, { method: 'GET', url: '/api/v1/export/alarms' })).statusCode).toBe(401);
  });
});
