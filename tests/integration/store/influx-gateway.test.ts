// The whole gateway with storage.influx pointing at a real influxd 1.x: devices publish through
// the embedded broker, every acknowledged reading ends up in InfluxDB as one point per channel,
// alarm transitions as alarm_event points (a kill and a restart: influx-gateway-kill.test.ts).
// The 2.x variant (testcontainers influxdb:2.7, api v2 with token/org/bucket and the DBRP mapping
// for InfluxQL) runs where a Docker engine is.

import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../gateway/src/config/schema.js';
import { InfluxTelemetryStore } from '../../../gateway/src/store/influx/influx-store.js';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { dockerMissing, influxdMissing, startInfluxd, startInfluxd2, type Influxd, type Influxd2 } from '../../support/influxd.js';
import type { RunningGateway } from '../../support/fixture.js';

const missing = influxdMissing();
if (missing) console.warn(`InfluxDB gateway tests skipped: ${missing}`);
const noDocker = dockerMissing();
if (noDocker) console.warn(`InfluxDB 2.7 gateway test skipped: ${noDocker}`);

async function publishAll(device: MqttClient, gateway: RunningGateway, from: number, to: number, value: (seq: number) => number = (s) => 1 + (s % 7) / 10, stepMs = 1): Promise<void> {
  const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
  const base = Date.now() - 60_000 + from;
  const sends: Promise<unknown>[] = [];
  for (let seq = from; seq <= to; seq++) {
    sends.push(device.publishAsync(topic, JSON.stringify({ ts: base + (seq - from) * stepMs, seq, readings: { ch4: value(seq), co: seq % 20 } }), { qos: 1 }));
  }
  await Promise.all(sends);
}

function influxConfig(dataDir: string, influx: Record<string, unknown>): Config {
  return testConfig(dataDir, (c) => {
    c.storage = { ...c.storage, drainIntervalMs: 50, influx: { lingerMs: 20, retry: { minMs: 50, maxMs: 500 }, ...influx } as never };
  });
}

describe.skipIf(missing !== null)('gateway with InfluxDB 1.x', () => {
  let influxd: Influxd;
  let dir: ReturnType<typeof tempDir>;
  let gateway: RunningGateway | null = null;
  let device: MqttClient | null = null;
  let n = 0;
  let database: string;

  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.close();
  });
  beforeEach(() => {
    dir = tempDir();
    database = `gw${++n}`;
  });
  afterEach(async () => {
    await device?.endAsync();
    await gateway?.stop();
    device = null;
    gateway = null;
    dir.remove();
  });

  async function count(q: string): Promise<number> {
    const res = await influxd.query(q, database);
    return Number(res.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
  }

  it('stores every published reading in InfluxDB, with its quantity, and alarm transitions', async () => {
    gateway = await startTestGateway(influxConfig(dir.path, { url: influxd.url, api: 'v1', database }));
    expect(gateway.telemetry.kind).toBe('influx');
    device = await connectClient(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    await publishAll(device, gateway, 1, 600);
    // Then 60 %LEL for 5 s of reading time (past the rule's 2 s on-delay): an alarm.
    await publishAll(device, gateway, 601, 605, () => 60, 1000);
    await eventually(async () => (await count('SELECT count(value) FROM reading')) === 1210, 15_000, '1210 points in InfluxDB');
    expect(await count(`SELECT count(value) FROM reading WHERE quantity = 'methane_lel' AND channel = 'ch4'`)).toBe(605);
    expect(await count(`SELECT count(value) FROM reading WHERE quantity = 'co_ppm' AND channel = 'co'`)).toBe(605);
    const store = gateway.telemetry as InfluxTelemetryStore;
    // The cursor moves just after InfluxDB's answer, so it may trail the points by a moment.
    await eventually(() => store.spoolDepth() === 0, 5000, 'spool empty');
    expect(store.spoolAgeMs()).toBe(0);
    // 60 %LEL methane raised an alarm; its transition is an alarm_event point.
    await eventually(async () => (await count(`SELECT count(event_id) FROM alarm_event WHERE kind = 'raised' AND channel = 'ch4'`)) >= 1, 10_000, 'alarm_event raised');
    const history = await gateway.telemetry.history({ site: DEMO_SITE, device: 'gas-01', channel: 'ch4', fromMs: 0, toMs: Date.now(), limit: 1000 });
    expect(history).toHaveLength(605);
    expect(history[604]).toMatchObject({ value: 60, seq: 605 });
  });
  // A kill mid-load and a restart: influx-gateway-kill.test.ts (a child process and SIGKILL).
});

describe.skipIf(noDocker !== null)('gateway with InfluxDB 2.7 (testcontainers)', () => {
  let influx: Influxd2;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    influx = await startInfluxd2();
    dir = tempDir();
  }, 120_000);
  afterAll(async () => {
    dir?.remove();
    await influx?.close();
  });

  it('writes through /api/v2/write and answers history through the DBRP mapping it created', async () => {
    const gateway = await startTestGateway(influxConfig(dir.path, { url: influx.url, api: 'v2', token: influx.token, org: influx.org, bucket: influx.bucket }));
    const device = await connectClient(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    try {
      await publishAll(device, gateway, 1, 100);
      const history = await eventually(async () => {
        const h = await gateway.telemetry.history({ site: DEMO_SITE, device: 'gas-01', channel: 'ch4', fromMs: 0, toMs: Date.now(), limit: 1000 }).catch(() => []);
        return h.length === 100 ? h : false;
      }, 20_000, '100 points through InfluxQL');
      expect(history[0]).toMatchObject({ seq: 1 });
    } finally {
      await device.endAsync();
      await gateway.stop();
    }
  }, 60_000);
});
