// Stop-work commands from the gateway reach their actuator without waiting for aedes's
// setImmediate (broker/src/urgent-forward.ts), over the real embedded broker and mqtt.js
// devices: in order, acknowledged, at the subscription's QoS; persistent
// sessions and wildcard observers keep aedes's own delivery and still get the command once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { PublishPacket } from 'aedes';
import { hashPassword, makeAuthenticator } from '../../../broker/src/auth.js';
import { startBroker, type Broker } from '../../../broker/src/server.js';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { eventually } from '../../support/gateway.js';

const SITE = 'kitchen-01';
const PASSWORD = 'urgent-forward-pw';
const OBSERVER = { username: 'ops-observer', password: 'observer-secret-1' };
const topics = makeTopics();
const cmdTopic = (device: string): string => topics.cmd({ site: SITE as SiteId, device: device as DeviceId });

interface Got {
  topic: string;
  payload: string;
  qos: number;
  messageId: number | undefined;
}

describe('gateway commands go to their actuator at once', () => {
  let broker: Broker;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    const hash = await hashPassword(PASSWORD, { N: 1024 });
    const observerHash = await hashPassword(OBSERVER.password, { N: 1024 });
    const devices = ['valve-01', 'valve-03', 'valve-04', 'fan-01'].map((id) => ({ id, passwordHash: hash }));
    broker = await startBroker({
      host: '127.0.0.1',
      port: 0,
      topics,
      authenticator: makeAuthenticator({ sites: [{ id: SITE, devices }], users: [{ username: OBSERVER.username, passwordHash: observerHash, role: 'gateway' }] }),
      log: silentLogger(),
      drainTimeoutMs: 5000,
      onTelemetry: (_ref, _topic, _payload, done) => done(null),
    });
  });

  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await broker?.close();
  });

  const url = (): string => `mqtt://127.0.0.1:${broker.port}`;

  /** A device subscribed to `filter`, noting every message with the QoS and packet id it came with. */
  async function subscriber(opts: Parameters<typeof connectClient>[1], filter: string, qos: 0 | 1): Promise<{ client: MqttClient; got: Got[] }> {
    const client = await connectClient(url(), opts);
    clients.push(client);
    const got: Got[] = [];
    client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos, messageId: packet.messageId }));
    await client.subscribeAsync(filter, { qos });
    return { client, got };
  }

  /** As the gateway's AedesIngress publishes: a QoS 1 packet with no client. */
  function gatewayPublish(topic: string, payload: string): Promise<void> {
    const packet = { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false } as PublishPacket;
    return new Promise((resolve, reject) => broker.aedes.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  it('writes each command to a clean-session valve before the next event-loop turn, in order, with fresh packet ids, and takes its PUBACKs', async () => {
    const { client, got } = await subscriber(deviceLogin(SITE, 'valve-01', PASSWORD), cmdTopic('valve-01'), 1);
    // The valve's connection on the broker side, to see what has been handed to its socket.
    const server = (broker.aedes as unknown as { clients: Record<string, { conn: { bytesWritten: number; writableLength: number } }> }).clients[client.options.clientId!]!;
    const before = broker.stats().urgentWrites;
    const outBefore = server.conn.bytesWritten + server.conn.writableLength;
    const commands = ['close', 'close-again', 'open'].map((action, i) => JSON.stringify({ id: `c${i}`, action }));
    const published = commands.map((c) => gatewayPublish(cmdTopic('valve-01'), c));
    // aedes's own delivery would still be waiting in a setImmediate queued after this one.
    const outAtNextTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(server.conn.bytesWritten + server.conn.writableLength)));
    expect(outAtNextTurn - outBefore).toBeGreaterThanOrEqual(commands.reduce((n, c) => n + c.length + cmdTopic('valve-01').length + 6, 0));
    await Promise.all(published);
    await eventually(() => got.length === 3, 5000, 'three commands');
    expect(got.map((g) => [g.topic, g.payload, g.qos])).toEqual(commands.map((c) => [cmdTopic('valve-01'), c, 1]));
    expect(new Set(got.map((g) => g.messageId)).size).toBe(3);
    expect(broker.stats().urgentWrites - before).toBe(3);
    // mqtt.js acknowledged each; the broker took the PUBACKs without dropping the valve.
    await new Promise((r) => setTimeout(r, 100));
    expect(client.connected).toBe(true);
  });

  it('sendNow writes the command before it returns, and the aedes.publish of the same packet that follows delivers it to no one twice', async () => {
    const valve = await subscriber(deviceLogin(SITE, 'valve-04', PASSWORD, 'valve-04-sendnow'), cmdTopic('valve-04'), 1);
    const observer = await subscriber({ username: OBSERVER.username, password: OBSERVER.password, clientId: 'observer-sendnow' }, 'shaobing/+/valve-04/cmd', 1);
    const server = (broker.aedes as unknown as { clients: Record<string, { conn: { bytesWritten: number; writableLength: number } }> }).clients['valve-04-sendnow']!;
    const before = broker.stats().urgentWrites;
    const outBefore = server.conn.bytesWritten + server.conn.writableLength;
    const payload = Buffer.from('{"id":"now","action":"close"}');
    // As AedesIngress.publish does: written now, then handed to aedes with the same payload Buffer.
    expect(broker.sendNow({ topic: cmdTopic('valve-04'), payload, qos: 1, retain: false })).toBe(1);
    expect(server.conn.bytesWritten + server.conn.writableLength - outBefore).toBe(2 + 2 + cmdTopic('valve-04').length + 2 + payload.length);
    await new Promise<void>((resolve, reject) =>
      broker.aedes.publish({ cmd: 'publish', topic: cmdTopic('valve-04'), payload, qos: 1, retain: false, dup: false } as PublishPacket, (err) => (err ? reject(err) : resolve())),
    );
    await eventually(() => valve.got.length === 1 && observer.got.length === 1, 5000, 'the valve and the observer');
    await new Promise((r) => setTimeout(r, 100));
    expect(valve.got).toMatchObject([{ payload: payload.toString(), qos: 1 }]);
    expect(observer.got).toMatchObject([{ payload: payload.toString() }]);
    expect(broker.stats().urgentWrites - before).toBe(1);
  });

  it('sendNow leaves telemetry, retained messages and other topics to aedes', () => {
    const before = broker.stats().urgentWrites;
    expect(broker.sendNow({ topic: cmdTopic('valve-01'), payload: Buffer.from('{}'), qos: 1, retain: true })).toBe(0);
    expect(broker.sendNow({ topic: topics.telemetry({ site: SITE as SiteId, device: 'valve-01' as DeviceId }), payload: Buffer.from('{}'), qos: 1, retain: false })).toBe(0);
    expect(broker.sendNow({ topic: topics.order(SITE as SiteId), payload: Buffer.from('{}'), qos: 1, retain: false })).toBe(0);
    expect(broker.stats().urgentWrites).toBe(before);
  });

  it('sends at QoS 0 to an actuator subscribed at QoS 0', async () => {
    const { got } = await subscriber(deviceLogin(SITE, 'fan-01', PASSWORD), cmdTopic('fan-01'), 0);
    await gatewayPublish(cmdTopic('fan-01'), '{"id":"f","action":"start"}');
    await eventually(() => got.length === 1, 5000, 'the fan command');
    expect(got[0]).toMatchObject({ payload: '{"id":"f","action":"start"}', qos: 0 });
  });

  it('leaves a persistent session and a wildcard observer to aedes, which delivers the command to each once', async () => {
    const persistent = await subscriber({ ...deviceLogin(SITE, 'valve-03', PASSWORD, 'valve-03-persistent'), clean: false }, cmdTopic('valve-03'), 1);
    const observer = await subscriber({ username: OBSERVER.username, password: OBSERVER.password, clientId: 'observer-1' }, 'shaobing/#', 1);
    const before = broker.stats().urgentWrites;
    await gatewayPublish(cmdTopic('valve-03'), '{"id":"p","action":"close"}');
    await eventually(() => persistent.got.length === 1 && observer.got.some((g) => g.topic === cmdTopic('valve-03')), 5000, 'both copies');
    await new Promise((r) => setTimeout(r, 100));
    expect(persistent.got).toMatchObject([{ payload: '{"id":"p","action":"close"}', qos: 1 }]);
    expect(observer.got.filter((g) => g.topic === cmdTopic('valve-03'))).toHaveLength(1);
    expect(broker.stats().urgentWrites).toBe(before);
  });
});
