// The pipeline bench's lean MQTT publisher (bench/raw-mqtt-client.ts) against the real embedded
// broker and gateway: every QoS1 publish gets its PUBACK and lands in the journal and the store,
// a refused login says its CONNACK return code, a disconnect fails what was in flight, keepalive
// pings are answered, and the packet parser survives any TCP chunking.

import * as net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawMqtt, type RawMqttClient } from '../../../bench/raw-mqtt-client.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';
import type { RunningGateway } from '../../support/fixture.js';

const raw = rawMqtt(net);

function reading(seq: number): string {
  return JSON.stringify({ ts: Date.now(), seq, readings: { ch4: 1.5, co: 4 } });
}

/** Publishes `n` readings in one synchronous burst; resolves with every ack's error (null: PUBACK). */
function burst(client: RawMqttClient, topic: ReturnType<typeof raw.topic>, n: number): Promise<(Error | null)[]> {
  return new Promise((resolve) => {
    const results: (Error | null)[] = [];
    for (let seq = 1; seq <= n; seq++) {
      client.publish(topic, reading(seq), (err) => {
        results.push(err);
        if (results.length === n) resolve(results);
      });
    }
  });
}

describe('raw MQTT client (pipeline bench fleet)', () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: RunningGateway;
  const clients: RawMqttClient[] = [];

  beforeEach(async () => {
    dir = tempDir();
    gw = await startTestGateway(testConfig(dir.path));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
    await gw.stop();
    dir.remove();
  });

  const login = (password: string = DEMO_PASSWORDS['gas-01'], keepaliveS = 60) =>
    raw.connect({ url: gw.url, clientId: `raw-${Math.random().toString(36).slice(2, 8)}`, username: `${DEMO_SITE}/gas-01`, password, clean: true, keepaliveS, connectTimeoutMs: 5000 });

  it('gets a PUBACK for each of N QoS1 publishes and the gateway journals and stores all N', async () => {
    const client = await login();
    clients.push(client);
    const topic = raw.topic(gw.topics.telemetry({ site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId }));
    const n = 500;
    const results = await burst(client, topic, n);
    expect(results.filter((e) => e !== null)).toEqual([]);
    expect(results).toHaveLength(n);
    expect(client.inFlight).toBe(0);
    // The PUBACKs came back in fewer TCP reads than packets: coalesced, and every one parsed.
    expect(client.chunksReceived).toBeLessThan(n);
    // The PUBACK means journalled (docs/architecture.md): the cursor is there before any flush.
    expect(gw.inside.journal.cursors().find((c) => c.device === 'gas-01')?.lastSeq).toBe(n);
    await gw.telemetry.flush();
    expect(await gw.telemetry.countMessages({ site: DEMO_SITE, device: 'gas-01' })).toBe(n);
  });

  it('rejects a wrong password with the CONNACK return code', async () => {
    const err = await login('not-the-password').then(
      () => null,
      (e: unknown) => e as Error & { returnCode?: number },
    );
    expect(err).not.toBeNull();
    expect(err!.name).toBe('ConnectRefused');
    expect(err!.returnCode).toBe(4);
    expect(err!.message).toMatch(/return code 4 \(bad user name or password\)/);
  });

  it('fails every unacknowledged publish loudly when the broker drops the connection', async () => {
    const client = await login();
    const closed = new Promise<Error | null>((resolve) => client.onClose(resolve));
    // Another device's topic: the broker's ACL refuses it, which for MQTT 3.1.1 means a disconnect.
    const foreign = raw.topic(gw.topics.telemetry({ site: DEMO_SITE as SiteId, device: 'valve-01' as DeviceId }));
    const ack = new Promise<Error | null>((resolve) => client.publish(foreign, reading(1), resolve));
    expect((await ack)?.message).toMatch(/closed with 1 publishes unacknowledged/);
    expect((await closed)?.message).toMatch(/closed with 1 publishes unacknowledged/);
    expect(() => client.publish(foreign, reading(2), () => {})).toThrow(/closed MQTT connection/);
  });

  it('sends PINGREQ when idle for the keepalive and gets PINGRESP', async () => {
    const client = await login(DEMO_PASSWORDS['gas-01'], 1);
    clients.push(client);
    await eventually(() => client.pingsAnswered >= 1, 5000, 'a PINGRESP');
    expect(client.inFlight).toBe(0);
  });
});

describe('raw MQTT packet parser', () => {
  const big = Buffer.alloc(300, 7); // remaining length 300: a two-byte varint (0xac 0x02)
  const stream = Buffer.concat([
    Buffer.from([0x20, 0x02, 0x00, 0x00]), // CONNACK accepted
    Buffer.from([0x40, 0x02, 0x00, 0x01]), // PUBACK 1
    Buffer.from([0x40, 0x02, 0xff, 0xff]), // PUBACK 65535
    Buffer.from([0x30, 0xac, 0x02]),
    big,
    Buffer.from([0xd0, 0x00]), // PINGRESP: empty body
    Buffer.from([0x40, 0x02, 0x01, 0x00]), // PUBACK 256
  ]);
  const expected = [
    [0x20, '0000'],
    [0x40, '0001'],
    [0x40, 'ffff'],
    [0x30, big.toString('hex')],
    [0xd0, ''],
    [0x40, '0100'],
  ];

  function parse(chunks: Buffer[]): { packets: (string | number)[][]; pending: number } {
    const packets: (string | number)[][] = [];
    const parser = raw.packetParser((header, body) => packets.push([header, body.toString('hex')]));
    for (const c of chunks) parser.push(c);
    return { packets, pending: parser.pendingBytes };
  }

  it('parses packets coalesced into one chunk', () => {
    expect(parse([stream])).toEqual({ packets: expected, pending: 0 });
  });

  it('parses packets split at every byte', () => {
    expect(parse([...stream].map((b) => Buffer.from([b])))).toEqual({ packets: expected, pending: 0 });
  });

  it('parses the stream split into two chunks at every position', () => {
    for (let at = 1; at < stream.length; at++) {
      expect(parse([stream.subarray(0, at), stream.subarray(at)]), `split at ${at}`).toEqual({ packets: expected, pending: 0 });
    }
  });

  it('holds an incomplete packet until the rest arrives', () => {
    expect(parse([stream.subarray(0, 10)])).toEqual({ packets: expected.slice(0, 2), pending: 2 });
  });

  it('refuses a remaining length longer than four bytes', () => {
    const parser = raw.packetParser(() => {});
    expect(() => parser.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(/longer than four bytes/);
  });
});
