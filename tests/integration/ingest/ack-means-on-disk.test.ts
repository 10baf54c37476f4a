// The acknowledgement contract (docs/architecture.md): when a device's QoS1 PUBACK arrives, its reading is
// already in the SQLite journal, as a second connection to the file sees it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { journalPath } from '../../../gateway/src/store/journal-db.js';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import type { RunningGateway } from '../../support/fixture.js';

describe('QoS1 acknowledgement', () => {
  let dir: ReturnType<typeof tempDir>;
  let gateway: RunningGateway;
  let device: MqttClient;
  let reader: Database.Database;

  beforeEach(async () => {
    dir = tempDir();
    // A long commit interval makes a PUBACK sent before the commit visible to the check.
    gateway = await startTestGateway(testConfig(dir.path, (c) => void (c.storage = { ...c.storage, commitIntervalMs: 100 })));
    device = await connectClient(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    reader = new Database(journalPath(dir.path), { readonly: true });
  });

  afterEach(async () => {
    reader.close();
    await device.endAsync();
    await gateway.stop();
    dir.remove();
  });

  it('has every reading on disk by the time its PUBACK arrives', async () => {
    const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const find = reader.prepare('SELECT seq, readings FROM reading WHERE site = ? AND device = ? AND seq = ?');
    const seen: (unknown | undefined)[] = [];
    const sends: Promise<void>[] = [];
    for (let seq = 1; seq <= 200; seq++) {
      const payload = JSON.stringify({ ts: Date.now(), seq, readings: { ch4: 1 + seq / 100, co: 3 } });
      // Check inside the publish callback itself: that is the moment the PUBACK arrived.
      sends.push(
        new Promise((resolve, reject) =>
          device.publish(topic, payload, { qos: 1 }, (err) => {
            if (err) return reject(err);
            seen[seq] = find.get(DEMO_SITE, 'gas-01', seq);
            resolve();
          }),
        ),
      );
    }
    await Promise.all(sends);
    const missing = seen.map((row, seq) => (seq > 0 && row === undefined ? seq : null)).filter((s) => s !== null);
    expect(missing).toEqual([]);
    expect(seen[200]).toEqual({ seq: 200, readings: JSON.stringify({ ch4: 3, co: 3 }) });
  });

  it('drops a resent duplicate seq but still acknowledges it', async () => {
    const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const payload = JSON.stringify({ ts: Date.now(), seq: 7, readings: { ch4: 2 } });
    await device.publishAsync(topic, payload, { qos: 1 });
    await device.publishAsync(topic, payload, { qos: 1 });
    const rows = reader.prepare('SELECT count(*) AS n FROM reading WHERE seq = 7').get() as { n: number };
    expect(rows.n).toBe(1);
    expect(gateway.inside.intake.counts.duplicates).toBe(1);
  });
});
