// The export's records come from the gateway (GatewayFaces.exportSource), not from SQL the API
// runs on the gateway's tables: a gateway started without the dashboard offers them, with the
// indexes its pages seek on, and `shaobing export` reads the same source over a read-only state.db
// on which the API never made its own tables.

import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../../gateway/src/runtime.js';
import { ExportSourceQuery } from '../../../gateway/src/export/export-source-query.js';
import type { ExportRow } from '../../../gateway/src/export/export-source.js';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { issueOrder } from '../../../gateway/src/orders/stop-work.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, testConfig, testConfigInput, testLogger } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { tempDir } from '../../support/tmp.js';
import { parseCsv, records, T1 } from './support.js';

const CLI = resolve('dist/gateway/src/cli.js');
const ref = (device: string) => ({ site: DEMO_SITE as SiteId, device: device as DeviceId });

async function all(pages: AsyncGenerator<ExportRow[]>): Promise<ExportRow[][]> {
  const out: ExportRow[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

describe('the export source of a gateway without its dashboard', () => {
  const dir = tempDir();
  let runtime: Runtime | undefined;
  const raised: string[] = [];

  beforeAll(async () => {
    runtime = await startRuntime(testConfig(dir.path), { log: testLogger() });
    const { alarms, orders } = runtime.faces;
    // Five alarms, the last two at the same millisecond: the page cursor must break the tie by id.
    for (const [i, atMs] of [T1, T1 + 1000, T1 + 2000, T1 + 3000, T1 + 3000].entries()) {
      const rule = `export-source-${i}`;
      const a = alarms.onTransition({ kind: 'level', ...ref('gas-01'), channel: (i % 2 ? 'co' : 'ch4') as ChannelId, quantity: i % 2 ? 'co_ppm' : 'methane_lel', ruleId: rule, from: null, to: 'yellow', value: 30 + i, atMs, stopWork: false });
      if (!a) throw new Error(`alarm ${rule} not raised`);
      raised.push(a.id);
    }
    orders.save(issueOrder({ id: 'order-source-1', site: DEMO_SITE, alarmId: raised[0]!, reason: '甲烷浓度超标，停产停工', atMs: T1 + 5000, actuators: [{ commandId: 'cmd-source-1', device: 'valve-01', action: 'close' }] }).next);
  });
  afterAll(async () => {
    await runtime?.stop();
    dir.remove();
  });

  it('pages alarms oldest first, each once across page ends and same-millisecond ties', async () => {
    const byTime = [...raised.slice(0, 3), ...raised.slice(3).sort()];
    // The gateway's own source (a page of 1000), and the same query two rows a page.
    const whole = await all(runtime!.faces.exportSource.alarms({ site: DEMO_SITE }));
    expect(whole.flat().map((r) => r.id)).toEqual(byTime);
    const paged = await all(new ExportSourceQuery(runtime!.faces.stateDb, 2).alarms({ site: DEMO_SITE }));
    expect(paged.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(paged.flat().map((r) => r.id)).toEqual(byTime);
    // The range and the level and state filters are the query's.
    expect((await all(runtime!.faces.exportSource.alarms({ fromMs: T1 + 1000, toMs: T1 + 2000 }))).flat().map((r) => r.id)).toEqual(raised.slice(1, 3));
    expect((await all(runtime!.faces.exportSource.alarms({ level: 'red' }))).flat()).toEqual([]);
    expect((await all(runtime!.faces.exportSource.alarms({ state: ['active_unacked'] }))).flat()).toHaveLength(5);
  });

  it('gives orders by issue time and knows which sites have records', async () => {
    const source = runtime!.faces.exportSource;
    expect((await all(source.orders({ site: DEMO_SITE }))).flat().map((r) => r.id)).toEqual(['order-source-1']);
    expect((await all(source.orders({ toMs: T1 }))).flat()).toEqual([]);
    expect(source.hasRecordsOf(DEMO_SITE)).toBe(true);
    expect(source.hasRecordsOf('no-such-site')).toBe(false);
  });

  it('made the indexes its pages seek on when the gateway started', () => {
    const plan = (sql: string) => JSON.stringify(runtime!.faces.stateDb.prepare(`EXPLAIN QUERY PLAN ${sql}`).all());
    expect(plan("SELECT * FROM alarm WHERE site = 'x' ORDER BY raised_at_ms, id LIMIT 10")).toMatch(/export_alarm_by_site_time/);
    expect(plan('SELECT * FROM stop_work_order ORDER BY issued_at_ms, id LIMIT 10')).toMatch(/export_order_by_time/);
  });

  it('tells a device\'s last birth or will, read a site at a time', async () => {
    const statusTopic = runtime!.topics.status(ref('gas-01'));
    const device = await connectClient(`mqtt://127.0.0.1:${runtime!.brokerPort}`, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    try {
      await device.publishAsync(statusTopic, JSON.stringify({ state: 'offline' }), { qos: 1, retain: true });
    } finally {
      await device.endAsync();
    }
    const status = await eventually(() => runtime!.faces.exportSource.deviceStatuses(DEMO_SITE).get('gas-01'), 5000, 'gas-01 status');
    expect(status.state).toBe('offline');
    expect(runtime!.faces.exportSource.deviceStatuses(DEMO_SITE).has('valve-01')).toBe(false);
  });

  it('`shaobing export devices` reads it over a state.db without the API\'s tables: statuses, no values', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    const configFile = join(dir.path, 'shaobing.yaml');
    writeFileSync(configFile, stringify(testConfigInput(dir.path)));
    const run = await promisify(execFile)(process.execPath, [CLI, 'export', 'devices', '--config', configFile, '--out', '-'], { cwd: dir.path, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    const rows = records(parseCsv(run.stdout.slice(1)));
    const gas = rows.filter((r) => r['设备'] === 'gas-01');
    expect(gas.map((r) => r['通道'])).toEqual(['ch4', 'co']);
    expect(gas.map((r) => [r['在线状态'], r['最新读数'], r['最后上报时间']])).toEqual([
      ['离线', '', ''],
      ['离线', '', ''],
    ]);
    expect(rows.find((r) => r['设备'] === 'valve-01')?.['在线状态']).toBe('');
  });
});
