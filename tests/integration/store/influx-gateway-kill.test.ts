// The gateway with storage.influx on a real influxd 1.x, killed with SIGKILL (a child process) while
// readings are in flight and batches are held back: once started again on the same data directory,
// every reading it acknowledged reaches InfluxDB, each as one point per channel, never two.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { cliMissing } from '../../support/gateway-process.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { influxdMissing, startInfluxd, type Influxd } from '../../support/influxd.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';

const missing = influxdMissing() ?? cliMissing();
if (missing) console.warn(`InfluxDB SIGKILL test skipped: ${missing}`);

describe.skipIf(missing !== null)('gateway with InfluxDB 1.x, killed with SIGKILL', () => {
  const fx = useGatewayFixture();
  let influxd: Influxd;
  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.close();
  });

  const influx = (database: string, lingerMs: number) => (c: ConfigInput): void => {
    c.storage = { ...c.storage, drainIntervalMs: 50, influx: { url: influxd.url, api: 'v1', database, lingerMs, batchRows: 5000, retry: { minMs: 50, maxMs: 500 } } };
  };
  const count = async (query: string, database: string): Promise<number> => {
    const res = await influxd.query(query, database);
    return Number(res.results[0]?.series?.[0]?.values?.[0]?.[1] ?? 0);
  };

  it('ships every reading acknowledged before the kill once restarted on the same data directory', async () => {
    const database = 'gwkill';
    // A 5 s linger holds batches back, so at the kill most readings are in the journal only.
    const first = await fx.startProcess({ patch: influx(database, 5000) });
    const client = await connectClient(first.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    fx.defer(() => client.end(true));
    const topic = first.topics.telemetry({ site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId });
    const acked = new Set<number>();
    const base = Date.now() - 60_000;
    for (let seq = 1; seq <= 3000; seq++) {
      client.publish(topic, JSON.stringify({ ts: base + seq, seq, readings: { ch4: 1 + (seq % 7) / 10, co: seq % 20 } }), { qos: 1 }, (err) => {
        if (!err) acked.add(seq);
      });
    }
    // Killed while publishes are still in flight.
    await eventually(() => acked.size >= 500, 10_000, '500 PUBACKs');
    await first.kill();
    client.end(true);
    const ackedAtKill = [...acked].sort((a, b) => a - b);
    expect(ackedAtKill.length).toBeLessThan(3000);

    await fx.start({ dataDir: first.dataDir, patch: influx(database, 20) });
    const stored = await eventually(
      async () => {
        const res = await influxd.query(`SELECT seq FROM reading WHERE channel = 'ch4'`, database);
        const seqs = new Set((res.results[0]?.series?.[0]?.values ?? []).map((r) => Number(r[1])));
        return ackedAtKill.every((s) => seqs.has(s)) ? seqs : false;
      },
      15_000,
      'every acknowledged reading in InfluxDB',
    );
    expect(await count('SELECT count(value) FROM reading', database)).toBe(stored.size * 2);
  });
});
