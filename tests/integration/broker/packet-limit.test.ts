// The packet-size guard in front of aedes (broker/src/packet-limit.ts): a client that
// announces a 256 MiB PUBLISH is cut at the header, before aedes buffers any of it, while a
// device on another connection keeps publishing; the cut is logged once with the address.

import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { hashPassword, makeAuthenticator } from '../../../broker/src/auth.js';
import { startBroker, type Broker } from '../../../broker/src/server.js';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { createLogger } from '../../../gateway/src/log.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { floodAfterHeader, HUGE_PUBLISH_HEADER, varint } from '../../support/raw-mqtt.js';

const SITE = 'kitchen-01';
const PASSWORD = 'packet-limit-pw';
const topics = makeTopics();

const attack = (port: number, header: Buffer, opts: { login: boolean; maxBytes: number }) =>
  floodAfterHeader(port, header, { maxBytes: opts.maxBytes, ...(opts.login ? { login: { clientId: 'attacker', username: `${SITE}/gas-02`, password: PASSWORD } } : {}) });

describe('the broker cuts a connection whose packet header announces more than maxPacketBytes', () => {
  let broker: Broker;
  const logLines: Record<string, unknown>[] = [];
  let device: MqttClient;
  let acked = 0;
  let publishing = true;
  let loop: Promise<void>;

  beforeAll(async () => {
    const hash = await hashPassword(PASSWORD, { N: 1024 });
    const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), cb()) });
    broker = await startBroker({
      host: '127.0.0.1',
      port: 0,
      topics,
      authenticator: makeAuthenticator({ sites: [{ id: SITE, devices: [{ id: 'gas-01', passwordHash: hash }, { id: 'gas-02', passwordHash: hash }] }] }),
      log: createLogger('warn', sink),
      drainTimeoutMs: 5000,
      onTelemetry: (_ref, _topic, _payload, done) => done(null),
    });
    device = await connectClient(`mqtt://127.0.0.1:${broker.port}`, deviceLogin(SITE, 'gas-01', PASSWORD));
    const topic = topics.telemetry({ site: SITE as SiteId, device: 'gas-01' as DeviceId });
    loop = (async () => {
      for (let seq = 1; publishing; seq++) {
        await device.publishAsync(topic, JSON.stringify({ ts: Date.now(), seq, readings: { ch4: 1 } }), { qos: 1 });
        acked++;
      }
    })();
  });

  afterAll(async () => {
    publishing = false;
    await loop?.catch(() => undefined);
    await device?.endAsync(true);
    await broker?.close();
  });

  it('cuts a logged-in client announcing a 256 MiB PUBLISH at once, without buffering it, and the device keeps publishing', async () => {
    (globalThis as { gc?: () => void }).gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 10);
    const ackedBefore = acked;
    // 268 435 455 is the largest remaining length MQTT can announce (256 MiB − 1).
    const out = await attack(broker.port, HUGE_PUBLISH_HEADER, { login: true, maxBytes: 64 * 1024 * 1024 });
    clearInterval(sampler);
    expect(out.connack).toBe(true);
    expect(out.closedAfterMs).toBeLessThan(1000);
    // Cut at the header: the attacker filled the loopback's kernel buffers (≈ 4 MiB here), not the 64 MiB it tried.
    expect(out.sent).toBeLessThan(16 * 1024 * 1024);
    expect((rssPeak - rssBefore) / 1048576).toBeLessThan(8);
    expect(broker.stats().oversizeCuts).toBe(1);
    const cuts = logLines.filter((l) => l.msg === 'mqtt connection cut: packet over the size limit');
    expect(cuts).toHaveLength(1);
    expect(cuts[0]).toMatchObject({ address: '127.0.0.1', reason: 'too_large', packetType: 3, packetBytes: 268_435_460 });
    // The other connection was never disturbed.
    const during = acked;
    await new Promise((r) => setTimeout(r, 200));
    expect(device.connected).toBe(true);
    expect(acked).toBeGreaterThan(during);
    expect(acked).toBeGreaterThan(ackedBefore);
  });

  it('cuts an anonymous client before it even logs in, and one with a malformed remaining length', async () => {
    const before = broker.stats().oversizeCuts;
    const anon = await attack(broker.port, Buffer.from([0x10, ...varint(200 * 1024 * 1024)]), { login: false, maxBytes: 8 * 1024 * 1024 });
    expect(anon.closedAfterMs).toBeLessThan(1000);
    const malformed = await attack(broker.port, Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]), { login: false, maxBytes: 1024 * 1024 });
    expect(malformed.closedAfterMs).toBeLessThan(1000);
    expect(broker.stats().oversizeCuts).toBe(before + 2);
    expect(logLines.filter((l) => l.reason === 'bad_length')).toHaveLength(1);
  });

  it('still takes a packet just under the limit (a 1 MiB payload reaches authorizePublish)', async () => {
    const client = await connectClient(`mqtt://127.0.0.1:${broker.port}`, deviceLogin(SITE, 'gas-02', PASSWORD));
    try {
      await client.publishAsync(topics.telemetry({ site: SITE as SiteId, device: 'gas-02' as DeviceId }), Buffer.alloc(1024 * 1024, 0x20), { qos: 1 });
      expect(client.connected).toBe(true);
    } finally {
      await client.endAsync(true);
    }
  });
});
