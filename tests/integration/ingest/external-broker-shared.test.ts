// The gateway behind a real Mosquitto taking telemetry over several connections of one shared
// subscription ($share/<group>/…): the broker spreads the readings over the connections' queues,
// every reading is journaled once and acknowledged on the connection that carried it after its
// commit, a backlog queued while the gateway was away drains over all of them, and detection
// still takes each device's readings in order.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { MqttClient, Packet } from 'mqtt';
import { journalPath } from '../../../gateway/src/store/journal-db.js';
import { MqttIngress } from '../../../gateway/src/ingest/mqtt-ingress.js';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { mosquittoMissing, startMosquitto, type Mosquitto } from '../../support/mosquitto.js';
import type { RunningGateway } from '../../support/fixture.js';
import { KITCHEN_RULES } from '../../../gateway/src/config/presets/kitchen.js';

const missing = mosquittoMissing();
if (missing) console.warn(`external-broker shared-subscription tests skipped: ${missing}. They run in CI, which installs Mosquitto.`);

const GATEWAY_USER = 'shaobing-gateway';
const topics = makeTopics();
const site = DEMO_SITE as SiteId;
const gas = { site, device: 'gas-01' as DeviceId };

describe.skipIf(missing !== null)('gateway behind Mosquitto over a shared subscription', () => {
  const password = randomBytes(12).toString('hex');
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
      users: { [GATEWAY_USER]: password, ...Object.fromEntries(Object.entries(DEMO_PASSWORDS).map(([d, p]) => [`${DEMO_SITE}/${d}`, p])) },
    });
  });

  afterEach(async () => {
    reader?.close();
    await Promise.all(clients.map((c) => c.endAsync(true)));
    for (const g of gateways) await g.stop();
    await broker.close();
    data.remove();
  });

  async function startGateway(connections: number, storage: { commitIntervalMs?: number } = {}, immediate = false): Promise<RunningGateway> {
    const config = testConfig(data.path, (c) => {
      // The set points act on one reading (the bench's kitchen rules), so one red is an alarm.
      if (immediate) c.rules = KITCHEN_RULES.map((r) => ('kind' in r && r.kind === 'dose' ? r : { ...r, onDelayS: 0 }));
      c.broker = { ...c.broker, mode: 'external', url: broker.url, clientId: 'shaobing-shared-test', username: GATEWAY_USER, password, subscriptionConnections: connections };
      c.api = { ...c.api, enabled: false };
      c.storage = { ...c.storage, ...storage };
    });
    const gateway = await startTestGateway(config);
    gateways.push(gateway);
    return gateway;
  }

  async function connectDevice(): Promise<MqttClient> {
    const login = deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']);
    const client = await connectClient(broker.url, { ...login, clientId: `gas-01-${randomBytes(3).toString('hex')}` });
    clients.push(client);
    return client;
  }

  async function publishReadings(device: MqttClient, from: number, to: number, ch4: (seq: number) => number = () => 1): Promise<void> {
    const base = Date.now() - (to - from + 1) * 10;
    const sends: Promise<unknown>[] = [];
    for (let seq = from; seq <= to; seq++) {
      sends.push(device.publishAsync(topics.telemetry(gas), JSON.stringify({ ts: base + (seq - from) * 10, seq, readings: { ch4: ch4(seq), co: 3 } }), { qos: 1 }));
    }
    await Promise.all(sends);
  }

  function journaledSeqs(): number[] {
    reader ??= new Database(journalPath(data.path), { readonly: true });
    return (reader.prepare('SELECT seq FROM reading WHERE site = ? AND device = ? ORDER BY seq').all(DEMO_SITE, 'gas-01') as { seq: number }[]).map((r) => r.seq);
  }

  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  /** Every PUBACK each telemetry connection writes: the reading must be on disk by then, and the
   * PUBACK must answer a PUBLISH that same connection received and has not acknowledged yet. */
  function watchAcks(gateway: RunningGateway): { acked: number[]; notOnDisk: number[]; stray: number[] } {
    const ingress = gateway.inside.ingress as MqttIngress;
    reader ??= new Database(journalPath(data.path), { readonly: true });
    const find = reader.prepare('SELECT 1 FROM reading WHERE site = ? AND device = ? AND seq = ?');
    const seen = { acked: [] as number[], notOnDisk: [] as number[], stray: [] as number[] };
    for (const client of ingress.telemetryClients) {
      let open = new Map<number, number>();
      client.on('packetreceive', (packet: Packet) => {
        if (packet.cmd === 'connack') open = new Map();
        if (packet.cmd === 'publish' && packet.qos === 1 && packet.topic === topics.telemetry(gas)) open.set(packet.messageId!, (JSON.parse(packet.payload.toString()) as { seq: number }).seq);
      });
      client.on('packetsend', (packet: Packet) => {
        if (packet.cmd !== 'puback') return;
        const seq = open.get(packet.messageId!);
        if (seq === undefined) return void seen.stray.push(packet.messageId!);
        open.delete(packet.messageId!);
        seen.acked.push(seq);
        if (find.get(DEMO_SITE, 'gas-01', seq) === undefined) seen.notOnDisk.push(seq);
      });
    }
    return seen;
  }

  it('spreads the readings over three connections and acknowledges each on its own, after the commit, once', async () => {
    const gateway = await startGateway(3, { commitIntervalMs: 20 });
    const ingress = gateway.inside.ingress as MqttIngress;
    expect(ingress.telemetryClients).toHaveLength(3);
    const acks = watchAcks(gateway);
    const device = await connectDevice();
    await publishReadings(device, 1, 1500);

    await eventually(() => journaledSeqs().length >= 1500 && acks.acked.length >= 1500, 15_000, '1500 readings journaled and acknowledged');
    expect(journaledSeqs()).toEqual(range(1, 1500));
    expect(acks.notOnDisk).toEqual([]);
    expect(acks.stray).toEqual([]);
    expect([...acks.acked].sort((a, b) => a - b)).toEqual(range(1, 1500));
    // Mosquitto hands the group's messages round robin: every connection carried a share.
    const taken = ingress.takenPerConnection();
    expect(taken.reduce((a, b) => a + b, 0)).toBe(1500);
    for (const n of taken) expect(n).toBeGreaterThan(300);
  });

  it('drains a backlog queued for every member while the gateway was away, across a Mosquitto restart', async () => {
    const first = await startGateway(3);
    await first.stop();
    const device = await connectDevice();
    await publishReadings(device, 1, 3000);
    await device.endAsync();
    await broker.restart();

    const second = await startGateway(3);
    await eventually(() => journaledSeqs().length >= 3000, 20_000, '3000 queued readings');
    expect(journaledSeqs()).toEqual(range(1, 3000));
    expect((second.inside.ingress as MqttIngress).takenPerConnection().every((n) => n > 0)).toBe(true);
  });

  it('retires the members it no longer connects: their queued readings are journaled and the broker hands them nothing more', async () => {
    const three = await startGateway(3);
    await three.stop();
    const device = await connectDevice();
    // Queued while the gateway is away: a third for each member's session.
    await publishReadings(device, 1, 1500);

    const one = await startGateway(1);
    expect((one.inside.ingress as MqttIngress).retired).toEqual(['shaobing-shared-test-share-1', 'shaobing-shared-test-share-2']);
    await eventually(() => journaledSeqs().length >= 1500, 10_000, 'the 1500 queued readings');
    // After the retirement every reading comes over the one connection left.
    await publishReadings(device, 1501, 1800);
    await eventually(() => journaledSeqs().length >= 1800, 10_000, 'the next 300');
    expect(journaledSeqs()).toEqual(range(1, 1800));
    expect((one.inside.ingress as MqttIngress).takenPerConnection()[0]).toBeGreaterThanOrEqual(300 + 500);
    await one.stop();

    const again = await startGateway(1);
    expect((again.inside.ingress as MqttIngress).retired).toEqual([]);
  });

  it('raises on a red reading that a later clean one overtook between two connections', async () => {
    const gateway = await startGateway(2, {}, true);
    const ingress = gateway.inside.ingress as MqttIngress;
    const reds: number[] = [];
    gateway.events.on('alarm', ({ alarm }) => {
      if (alarm.level === 'red') reds.push(alarm.raisedAtMs);
    });
    const device = await connectDevice();
    const t0 = Date.now() - 5_000;
    const send = (seq: number, ch4: number): Promise<unknown> => device.publishAsync(topics.telemetry(gas), JSON.stringify({ ts: t0 + seq * 1000, seq, readings: { ch4, co: 2 } }), { qos: 1 });
    await send(1, 1);
    await eventually(() => journaledSeqs().length === 1, 5000, 'the first reading');
    // Mosquitto hands the group's messages in turn: the next one goes to the connection that did
    // not carry seq 1. Hold that connection's socket so the red waits while seq 3 goes ahead.
    const [a, b] = ingress.takenPerConnection();
    const slow = ingress.telemetryClients[a === 1 ? 1 : 0]!;
    expect(a! + b!).toBe(1);
    slow.stream.pause();
    await send(2, 70); // red, to the paused connection
    await send(3, 1); // clean, to the other: taken first
    await eventually(() => journaledSeqs().includes(3), 5000, 'seq 3 ahead of seq 2');
    expect(journaledSeqs()).toEqual([1, 3]);
    slow.stream.resume();
    await eventually(() => journaledSeqs().length === 3, 5000, 'seq 2 after it');
    // Detection took 2 before 3 although 3 arrived first: the red was not passed over as old.
    await eventually(() => reds.length > 0 || undefined, 5000, 'the red alarm');
    expect(gateway.inside.intake.order!.counts.held).toBe(1);
  });

  it('moves between one connection and several without taking a reading twice', async () => {
    const one = await startGateway(1);
    const device = await connectDevice();
    await publishReadings(device, 1, 200);
    await eventually(() => journaledSeqs().length >= 200, 10_000, 'the first 200');
    await one.stop();
    // The session keeps its plain subscription; the next start swaps it for the shared one.
    await publishReadings(device, 201, 400);
    const three = await startGateway(3);
    await publishReadings(device, 401, 600);
    await eventually(() => journaledSeqs().length >= 600, 10_000, 'all 600');
    await new Promise((r) => setTimeout(r, 300));
    expect(journaledSeqs()).toEqual(range(1, 600));
    expect(three.inside.intake.counts.duplicates).toBe(0);
  });
});
