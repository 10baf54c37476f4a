// The gateway behind a real Mosquitto (broker.mode: external), configured from the shipped
// broker/mosquitto/shaobing.conf and acl.example: the gateway acknowledges a reading to the broker
// only once it is in the journal, so a gateway that dies loses nothing (docs/architecture.md,
// the acknowledgement contract).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { MqttClient, Packet } from 'mqtt';
import { journalPath } from '../../../gateway/src/store/journal-db.js';
import { statePath } from '../../../gateway/src/store/state-db.js';
import { MqttIngress } from '../../../gateway/src/ingest/mqtt-ingress.js';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { commandSchema, parseJson, type Command } from '../../../gateway/src/contract/command.js';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { collect, connectClient, deviceLogin } from '../../support/mqtt.js';
import { mosquittoMissing, startMosquitto, type Mosquitto } from '../../support/mosquitto.js';
import type { RunningGateway } from '../../support/fixture.js';

const missing = mosquittoMissing();
if (missing) console.warn(`external-broker tests skipped: ${missing}. They run in CI, which installs Mosquitto.`);

const GATEWAY_USER = 'shaobing-gateway'; // the accounts acl.example grants
const OPS_USER = 'shaobing-ops';
const GATEWAY_CLIENT_ID = 'shaobing-gateway-test';
const topics = makeTopics();
const site = DEMO_SITE as SiteId;
const gas = { site, device: 'gas-01' as DeviceId };
const valve = { site, device: 'valve-01' as DeviceId };

type StorageInput = { commitIntervalMs?: number; maxBatch?: number };

function badFixture(name: string): { payload: Buffer; text: string | undefined; reason: string } {
  const file = fileURLToPath(new URL(`../../fixtures/payloads/bad/${name}.json`, import.meta.url));
  const f = JSON.parse(readFileSync(file, 'utf8')) as { payload?: string; payloadBase64?: string; reason: string };
  const payload = f.payload !== undefined ? Buffer.from(f.payload) : Buffer.from(f.payloadBase64!, 'base64');
  return { payload, text: f.payload, reason: f.reason };
}

describe.skipIf(missing !== null)('gateway behind Mosquitto (external mode)', () => {
  const passwords = { gateway: randomBytes(12).toString('hex'), ops: randomBytes(12).toString('hex') };
  let broker: Mosquitto;
  let data: ReturnType<typeof tempDir>;
  let gateways: RunningGateway[];
  let clients: MqttClient[];
  let reader: Database.Database | null;

  beforeEach(async () => {
    gateways = [];
    clients = [];
    reader = null;
    data = tempDir();
    broker = await startMosquitto({
      users: {
        [GATEWAY_USER]: passwords.gateway,
        [OPS_USER]: passwords.ops,
        ...Object.fromEntries(Object.entries(DEMO_PASSWORDS).map(([device, password]) => [`${DEMO_SITE}/${device}`, password])),
      },
    });
  });

  afterEach(async () => {
    reader?.close();
    await Promise.all(clients.map((c) => c.endAsync(true)));
    for (const g of gateways) await g.stop();
    await broker.close();
    data.remove();
  });

  async function startGateway(storage: StorageInput = {}): Promise<RunningGateway> {
    const config = testConfig(data.path, (c) => {
      // One connection: these cases watch its PUBACKs and drop its socket (several connections of a
      // shared subscription: external-broker-shared.test.ts).
      c.broker = { ...c.broker, mode: 'external', url: broker.url, clientId: GATEWAY_CLIENT_ID, username: GATEWAY_USER, password: passwords.gateway, subscriptionConnections: 1 };
      c.api = { ...c.api, enabled: false };
      c.storage = { ...c.storage, ...storage };
    });
    const gateway = await startTestGateway(config);
    gateways.push(gateway);
    return gateway;
  }

  async function connect(username: string, password: string): Promise<MqttClient> {
    const client = await connectClient(broker.url, { username, password, clientId: `${username.replace('/', '-')}-${randomBytes(3).toString('hex')}` });
    clients.push(client);
    return client;
  }

  async function connectDevice(device: keyof typeof DEMO_PASSWORDS): Promise<MqttClient> {
    const login = deviceLogin(DEMO_SITE, device, DEMO_PASSWORDS[device]);
    return connect(login.username!, login.password as string);
  }

  /** Publishes seq from..to as QoS1; resolves when Mosquitto acknowledged every one. */
  async function publishReadings(device: MqttClient, from: number, to: number): Promise<void> {
    const base = Date.now() - (to - from + 1) * 10;
    const sends: Promise<unknown>[] = [];
    for (let seq = from; seq <= to; seq++) {
      const payload = JSON.stringify({ ts: base + (seq - from) * 10, seq, readings: { ch4: 1 + (seq % 10) / 10, co: 3 } });
      sends.push(device.publishAsync(topics.telemetry(gas), payload, { qos: 1 }));
    }
    await Promise.all(sends);
  }

  function journal(): Database.Database {
    reader ??= new Database(journalPath(data.path), { readonly: true });
    return reader;
  }

  function journaledSeqs(): number[] {
    const rows = journal().prepare('SELECT seq FROM reading WHERE site = ? AND device = ? ORDER BY seq').all(DEMO_SITE, 'gas-01') as { seq: number }[];
    return rows.map((r) => r.seq);
  }

  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  /** Watches the gateway's own mqtt.js client: every PUBACK it writes, whether that reading was
   * already in the journal (read through a second connection) at that moment, and whether the
   * PUBACK answers a PUBLISH received on the same connection and not yet acknowledged. */
  function watchAcks(gateway: RunningGateway): { acked: number[]; notOnDisk: number[]; stray: number[] } {
    const client = (gateway.inside.ingress as MqttIngress).mqttClient;
    if (!client) throw new Error('gateway has no broker client');
    const find = journal().prepare('SELECT 1 FROM reading WHERE site = ? AND device = ? AND seq = ?');
    let open = new Map<number, number>(); // packet id → seq, on the current connection
    const seen = { acked: [] as number[], notOnDisk: [] as number[], stray: [] as number[] };
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'connack') open = new Map();
      if (packet.cmd === 'publish' && packet.qos === 1 && packet.topic === topics.telemetry(gas)) {
        open.set(packet.messageId!, (JSON.parse(packet.payload.toString()) as { seq: number }).seq);
      }
    });
    client.on('packetsend', (packet: Packet) => {
      if (packet.cmd !== 'puback') return;
      const seq = open.get(packet.messageId!);
      if (seq === undefined) {
        seen.stray.push(packet.messageId!);
        return;
      }
      open.delete(packet.messageId!);
      seen.acked.push(seq);
      if (find.get(DEMO_SITE, 'gas-01', seq) === undefined) seen.notOnDisk.push(seq);
    });
    return seen;
  }

  it('journals every QoS1 reading a device publishes through Mosquitto once, each on disk before the gateway acknowledges it', async () => {
    const gateway = await startGateway({ commitIntervalMs: 20 });
    const acks = watchAcks(gateway);
    const device = await connectDevice('gas-01');
    const n = 2000;

    await publishReadings(device, 1, n);

    await eventually(() => journaledSeqs().length >= n && acks.acked.length >= n, 10_000, `${n} readings journaled and acknowledged`);
    expect(journaledSeqs()).toEqual(range(1, n)); // all of them, none twice
    expect(acks.notOnDisk).toEqual([]);
    expect(acks.stray).toEqual([]);
    expect([...acks.acked].sort((a, b) => a - b)).toEqual(range(1, n));
    expect(gateway.inside.intake.counts.duplicates).toBe(0);
  });

  it('acknowledges each delivery once, on its own connection, when the link to Mosquitto drops before the commit', async () => {
    const gateway = await startGateway({ commitIntervalMs: 300 });
    const acks = watchAcks(gateway);
    const device = await connectDevice('gas-01');
    await publishReadings(device, 1, 50);
    await eventually(() => gateway.inside.intake.counts.accepted === 50, 5000, 'the gateway to take all 50');
    expect(acks.acked).toEqual([]);

    // The socket drops (no DISCONNECT); mqtt.js reconnects a second later and the broker resends
    // 1–50 to the session. The PUBACKs owed on the dead connection must not follow onto the new one.
    (gateway.inside.ingress as MqttIngress).mqttClient!.stream.destroy();

    await eventually(() => gateway.inside.intake.counts.duplicates >= 50 && acks.acked.length >= 50, 10_000, 'the resent copies acknowledged');
    expect(journaledSeqs()).toEqual(range(1, 50));
    expect(acks.stray).toEqual([]);
    expect(acks.notOnDisk).toEqual([]);
    expect([...acks.acked].sort((a, b) => a - b)).toEqual(range(1, 50));
  });

  // A gateway killed before its commit: external-broker-kill.test.ts (a child process and SIGKILL).

  it('keeps readings queued for an offline gateway across a Mosquitto restart, beyond the default queue of 1000', async () => {
    const first = await startGateway();
    await first.stop(); // the persistent session and its subscriptions stay in Mosquitto
    const device = await connectDevice('gas-01');
    await publishReadings(device, 1, 3000);
    await device.endAsync();

    await broker.restart(); // SIGTERM: Mosquitto saves its database; start again from it

    await startGateway();
    await eventually(() => journaledSeqs().length >= 3000, 15_000, '3000 queued readings');
    expect(journaledSeqs()).toEqual(range(1, 3000));
  });

  it('takes the device status Mosquitto delivers as the session resumes, before the gateway registered its handlers', async () => {
    const first = await startGateway();
    await first.stop();
    const device = await connectDevice('gas-01');
    await device.publishAsync(topics.status(gas), JSON.stringify({ state: 'online', ts: Date.now() }), { qos: 1, retain: true });

    await startGateway(); // the queued status arrives right after CONNACK, the retained one after SUBACK
    const state = new Database(statePath(data.path), { readonly: true });
    try {
      const row = await eventually(() => state.prepare('SELECT state FROM device_status WHERE site = ? AND device = ?').get(DEMO_SITE, 'gas-01'), 5000, 'the status row');
      expect(row).toEqual({ state: 'online' });
    } finally {
      state.close();
    }
  });

  it('dead-letters a malformed payload sent through Mosquitto and keeps taking readings after it', async () => {
    const gateway = await startGateway();
    const ops = await connect(OPS_USER, passwords.ops);
    const dead = await collect(ops, topics.filters.deadletter);
    const device = await connectDevice('gas-01');
    const truncated = badFixture('invalid-json-truncated');
    const notUtf8 = badFixture('not-utf8-stray-ff-byte');

    await device.publishAsync(topics.telemetry(gas), truncated.payload, { qos: 1 });
    await device.publishAsync(topics.telemetry(gas), notUtf8.payload, { qos: 1 });
    await publishReadings(device, 1, 1);

    await eventually(() => dead.messages.length >= 2 && journaledSeqs().length >= 1, 5000, 'two dead letters and the good reading');
    expect(dead.messages.map((m) => m.topic)).toEqual([topics.deadletter(gas), topics.deadletter(gas)]);
    const bodies = dead.messages.map((m) => JSON.parse(m.payload.toString()) as { reason: string; topic: string; payload?: string; payloadBase64?: string });
    expect(bodies[0]).toMatchObject({ reason: truncated.reason, topic: topics.telemetry(gas), payload: truncated.text });
    expect(bodies[1]).toMatchObject({ reason: notUtf8.reason, payloadBase64: notUtf8.payload.toString('base64') });
    const rows = journal().prepare('SELECT site, device, reason, payload FROM dead_letter ORDER BY id').all() as { site: string; device: string; reason: string; payload: Buffer }[];
    expect(rows.map((r) => [r.site, r.device, r.reason])).toEqual([
      [DEMO_SITE, 'gas-01', truncated.reason],
      [DEMO_SITE, 'gas-01', notUtf8.reason],
    ]);
    expect(Buffer.compare(rows[1]!.payload, notUtf8.payload)).toBe(0);
    expect(journaledSeqs()).toEqual([1]);
    expect(gateway.inside.intake.counts.rejected).toBe(2);
  });

  it('lets a device, by the shipped ACL, write only its own telemetry and read only its own commands', async () => {
    const gateway = await startGateway();
    const valveClient = await connectDevice('valve-01');
    const valveCommands = await collect(valveClient, topics.cmd(valve));
    const device = await connectDevice('gas-01');
    const fan = { site, device: 'fan-01' as DeviceId };
    // Mosquitto 2.0 grants a v3.1.1 subscription the ACL denies and then delivers nothing on it.
    await device.subscribeAsync(topics.cmd(valve), { qos: 1 });
    const siteOrder = await collect(device, topics.order(site));
    const overheard: string[] = [];
    device.on('message', (topic) => overheard.push(topic));

    // Forged: another device's telemetry (Mosquitto acknowledges it and drops it).
    await device.publishAsync(topics.telemetry(fan), JSON.stringify({ ts: Date.now(), seq: 1, readings: { ch4: 99 } }), { qos: 1 });
    await publishReadings(device, 1, 1);
    await gateway.inside.ingress.publish(topics.cmd(valve), JSON.stringify({ id: 'c1', action: 'close', reason: 'test', ts: Date.now() }), { qos: 1, retain: false });
    // Sent after the command: once the device has it, a copy of the command would have come first.
    await gateway.inside.ingress.publish(topics.order(site), JSON.stringify({ state: 'lifted', orderId: 'o1', reason: 'test', issuedAt: 0 }), { qos: 1, retain: false });

    await eventually(() => journaledSeqs().length >= 1 && valveCommands.messages.length >= 1 && siteOrder.messages.length >= 1, 5000, 'the reading, the command and the order');
    const devices = journal().prepare('SELECT DISTINCT device FROM reading').all() as { device: string }[];
    expect(devices).toEqual([{ device: 'gas-01' }]);
    expect(overheard).toEqual([topics.order(site)]);
  });

  it('raises red on methane through Mosquitto, commands the valve to close on its own connection and takes its cmd/ack', async () => {
    const gateway = await startGateway();
    // The command and the order go out on the publish connection, never behind the main
    // connection's PUBACKs (measured: 5 s late there at 20 000 readings/s).
    const mainPublishes: string[] = [];
    (gateway.inside.ingress as MqttIngress).mqttClient!.on('packetsend', (packet: Packet) => {
      if (packet.cmd === 'publish') mainPublishes.push(packet.topic);
    });
    const valveClient = await connectDevice('valve-01');
    const commands: Command[] = [];
    valveClient.on('message', (topic, payload) => {
      if (topic !== topics.cmd(valve)) return;
      const command = parseJson(commandSchema, payload);
      if (!command.ok) throw new Error(`valve got a bad command: ${command.reason}`);
      commands.push(command.value);
      const ack = { id: command.value.id, ok: true, state: 'closed', ts: Date.now() };
      // Not awaited (inside a message handler); the client may be ended before its PUBACK arrives.
      valveClient.publishAsync(topics.cmdAck(valve), JSON.stringify(ack), { qos: 1 }).catch(() => undefined);
    });
    const order = await collect(valveClient, topics.order(site)); // the ACL lets a device read its site's order
    await valveClient.subscribeAsync(topics.cmd(valve), { qos: 1 });
    const device = await connectDevice('gas-01');

    // 60 %LEL for 4 s of reading time: above red (50) for longer than the 2 s on-delay.
    const base = Date.now() - 4000;
    for (let i = 0; i < 5; i++) {
      await device.publishAsync(topics.telemetry(gas), JSON.stringify({ ts: base + i * 1000, seq: 1 + i, readings: { ch4: 60 } }), { qos: 1 });
    }

    await eventually(() => gateway.alarms.activeAlarms().some((a) => a.device === 'gas-01' && a.level === 'red'), 5000, 'a red alarm');
    await eventually(() => commands.length > 0, 5000, 'a command at the valve');
    expect(commands[0]!.action).toBe('close');
    const acked = await eventually(
      () => gateway.interlock.activeOrder(DEMO_SITE)?.commands.find((c) => c.device === 'valve-01' && c.state === 'acked'),
      5000,
      'the valve command acknowledged',
    );
    expect(acked.id).toBe(commands[0]!.id);
    await eventually(() => order.messages.length > 0, 5000, 'the site order');
    expect(JSON.parse(order.messages[0]!.payload.toString())).toMatchObject({ state: 'active' });
    expect(mainPublishes).toEqual([]);
  });
});
