// Who may do what on the embedded broker (docs/device-protocol.md, Topics; broker/src/acl.ts), over the real
// aedes of a running gateway: refused logins, publishes to foreign topics that disconnect,
// subscriptions refused one by one, and malformed payloads dead-lettered, never forwarded.

import { beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { IClientOptions, MqttClient } from 'mqtt';
import { hashPassword } from '../../../broker/src/auth.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { journalPath } from '../../../gateway/src/store/journal-db.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, type testConfig } from '../../support/gateway.js';
import { collect, connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

type Received = { topic: string; payload: Buffer; retain: boolean };

const OBSERVER = { username: 'ops-observer', password: 'observer-secret-1' };
const SITE = DEMO_SITE as SiteId;
const ref = (device: string) => ({ site: SITE, device: device as DeviceId });

/** Settles with 'acked' on PUBACK or with the error the client reports (e.g. connection closed). */
function publishOutcome(client: MqttClient, topic: string, payload: string, retain = false): Promise<'acked' | Error> {
  return new Promise((resolve) => client.publish(topic, payload, { qos: 1, retain }, (err) => resolve(err ?? 'acked')));
}

/**
 * Publishes what the ACL forbids and waits for the broker to drop the connection. mqtt.js keeps an
 * unacknowledged QoS1 message for a reconnect; ending the client hands its callback the error.
 */
async function refusedPublish(client: MqttClient, topic: string, payload: string, retain = false): Promise<'acked' | Error> {
  const dropped = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const outcome = publishOutcome(client, topic, payload, retain);
  await dropped;
  expect(client.connected).toBe(false);
  await client.endAsync(true);
  return outcome;
}

/** The SUBACK return codes; mqtt.js rejects a subscription refused with 0x80, packet attached. */
async function subackCodes(client: MqttClient, filter: string): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filter, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    const suback = (err as { packet?: { granted?: number[] } }).packet;
    if (!suback?.granted) throw err;
    return suback.granted;
  }
}

function connectError(url: string, options: IClientOptions): Promise<Error & { code?: number }> {
  return connectClient(url, options).then(
    async (client) => {
      await client.endAsync();
      throw new Error('connection was accepted');
    },
    (err: Error & { code?: number }) => err,
  );
}

function reading(seq: number, readings: Record<string, number> = { ch4: 1.5, co: 2 }, tsMs = Date.now()): string {
  return JSON.stringify({ ts: tsMs, seq, readings });
}

describe('embedded broker access control', () => {
  let observerHash: string;
  const fx = useGatewayFixture();

  beforeAll(async () => {
    observerHash = await hashPassword(OBSERVER.password, { N: 1024 });
  });

  async function start(patch: Parameters<typeof testConfig>[1] = () => {}): Promise<{ gateway: RunningGateway; reader: Database.Database }> {
    const gateway = await fx.start({
      patch: (c) => {
        c.broker = { ...c.broker, users: [{ username: OBSERVER.username, passwordHash: observerHash, role: 'gateway' }] };
        patch(c);
      },
    });
    const reader = new Database(journalPath(gateway.dataDir), { readonly: true });
    fx.defer(() => reader.close());
    return { gateway, reader };
  }

  async function client(url: string, options: IClientOptions): Promise<MqttClient> {
    const c = await connectClient(url, options);
    fx.defer(() => c.endAsync(true));
    return c;
  }

  async function device(gateway: RunningGateway, id: keyof typeof DEMO_PASSWORDS): Promise<MqttClient> {
    return client(gateway.url, deviceLogin(DEMO_SITE, id, DEMO_PASSWORDS[id]));
  }

  /** A gateway-role client that sees everything under the prefix. */
  async function observer(gateway: RunningGateway, filter = 'shaobing/#'): Promise<Received[]> {
    const c = await client(gateway.url, { username: OBSERVER.username, password: OBSERVER.password, clientId: `observer-${Math.random().toString(36).slice(2, 8)}` });
    return (await collect(c, filter)).messages;
  }

  function readingCount(reader: Database.Database): number {
    return (reader.prepare('SELECT count(*) AS n FROM reading').get() as { n: number }).n;
  }

  /** Publishes a valid reading from gas-01 and waits until the observer saw it: everything sent before has been routed. */
  async function marker(gateway: RunningGateway, seen: Received[], seq: number): Promise<void> {
    const gas = await device(gateway, 'gas-01');
    const payload = reading(seq);
    expect(await publishOutcome(gas, gateway.topics.telemetry(ref('gas-01')), payload)).toBe('acked');
    await eventually(() => seen.some((m) => m.payload.toString() === payload), 5000, `marker seq ${seq}`);
  }

  describe('login', () => {
    it('refuses a wrong password with return code 4 (bad username or password)', async () => {
      const { gateway } = await start();
      const err = await connectError(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', 'not-the-password'));
      expect(err.code).toBe(4);
      expect(err.message).toMatch(/Bad username or password/);
    });

    it('refuses a client without credentials with return code 5 (not authorised)', async () => {
      const { gateway } = await start();
      const err = await connectError(gateway.url, { clientId: 'anonymous-1' });
      expect(err.code).toBe(5);
      expect(err.message).toMatch(/Not authorized/);
    });

    it('refuses an unknown username with return code 4', async () => {
      const { gateway } = await start();
      const err = await connectError(gateway.url, deviceLogin(DEMO_SITE, 'gas-99', DEMO_PASSWORDS['gas-01']));
      expect(err.code).toBe(4);
      const gatewayUser = await connectError(gateway.url, { username: 'nobody', password: OBSERVER.password, clientId: 'nobody-1' });
      expect(gatewayUser.code).toBe(4);
    });

    it('accepts a device with its own password and a gateway account from broker.users', async () => {
      const { gateway } = await start();
      const gas = await device(gateway, 'gas-01');
      expect(gas.connected).toBe(true);
      const seen = await observer(gateway);
      expect(seen).toEqual([]);
    });
  });

  describe('publishing outside its own topics', () => {
    it('disconnects a device that publishes to another device telemetry and never forwards or takes the message', async () => {
      const { gateway, reader } = await start();
      const seen = await observer(gateway);
      const fan = await device(gateway, 'fan-01');
      const acceptedBefore = gateway.inside.intake.counts.accepted;
      const rowsBefore = readingCount(reader);

      const forged = reading(1, { ch4: 99 });
      expect(await refusedPublish(fan, gateway.topics.telemetry(ref('gas-01')), forged)).toBeInstanceOf(Error);

      await marker(gateway, seen, 1);
      expect(seen.filter((m) => m.payload.toString() === forged)).toEqual([]);
      // Only the marker reached the gateway.
      expect(gateway.inside.intake.counts.accepted).toBe(acceptedBefore + 1);
      expect(readingCount(reader)).toBe(rowsBefore + 1);
      expect(reader.prepare('SELECT count(*) AS n FROM reading WHERE readings LIKE ?').get('%99%')).toEqual({ n: 0 });
    });

    it('disconnects a device that publishes to a topic of another site', async () => {
      const { gateway, reader } = await start();
      const seen = await observer(gateway);
      const gas = await device(gateway, 'gas-01');
      const acceptedBefore = gateway.inside.intake.counts.accepted;
      const rowsBefore = readingCount(reader);

      const forged = reading(1, { ch4: 98 });
      const foreign = gateway.topics.telemetry({ site: 'kitchen-02' as SiteId, device: 'gas-01' as DeviceId });
      expect(await refusedPublish(gas, foreign, forged)).toBeInstanceOf(Error);

      await marker(gateway, seen, 1);
      expect(seen.filter((m) => m.topic === foreign || m.payload.toString() === forged)).toEqual([]);
      expect(gateway.inside.intake.counts.accepted).toBe(acceptedBefore + 1);
      expect(readingCount(reader)).toBe(rowsBefore + 1);
    });
  });

  describe('subscribing', () => {
    it('refuses wildcards and another device cmd with SUBACK 128 while the device stays connected and keeps publishing', async () => {
      const { gateway, reader } = await start();
      const gas = await device(gateway, 'gas-01');
      const refused = ['#', 'shaobing/+/+/cmd', gateway.topics.cmd(ref('valve-01'))];
      for (const filter of refused) {
        expect(await subackCodes(gas, filter)).toEqual([128]);
        expect(gas.connected).toBe(true);
      }

      const acceptedBefore = gateway.inside.intake.counts.accepted;
      expect(await publishOutcome(gas, gateway.topics.telemetry(ref('gas-01')), reading(41, { ch4: 4.1, co: 1 }))).toBe('acked');
      expect(gas.connected).toBe(true);
      expect(gateway.inside.intake.counts.accepted).toBe(acceptedBefore + 1);
      expect(reader.prepare("SELECT seq, readings FROM reading WHERE site = ? AND device = 'gas-01'").all(DEMO_SITE)).toEqual([
        { seq: 41, readings: JSON.stringify({ ch4: 4.1, co: 1 }) },
      ]);
    });

    it('lets the valve subscribe to its own cmd and its site order', async () => {
      const { gateway } = await start();
      const valve = await device(gateway, 'valve-01');
      expect(await subackCodes(valve, gateway.topics.cmd(ref('valve-01')))).toEqual([1]);
      expect(await subackCodes(valve, gateway.topics.order(SITE))).toEqual([1]);
      expect(await subackCodes(valve, gateway.topics.cmd(ref('fan-01')))).toEqual([128]);
      expect(valve.connected).toBe(true);
    });
  });

  describe('malformed telemetry', () => {
    const cases = [
      { name: 'a ts that is not a time', payload: '{"ts":"x"}', reason: 'bad_ts' },
      { name: 'invalid JSON', payload: '{"ts": 1, "seq": ', reason: 'invalid_json' },
    ] as const;

    for (const { name, payload, reason } of cases) {
      it(`acknowledges ${name}, dead-letters it as ${reason} and never forwards it`, async () => {
        await checkDeadLetter(payload, reason, 5000);
      });
    }

    // With maxBatch 1 every append commits at once, so the acknowledgement runs inside the call
    // that took the message: the dead letter must still be rerouted, not forwarded as telemetry.
    it('dead-letters a malformed payload also when the journal commits synchronously (maxBatch 1)', async () => {
      await checkDeadLetter('{"ts":"x"}', 'bad_ts', 1);
    });

    async function checkDeadLetter(payload: string, reason: string, maxBatch: number): Promise<void> {
      const { gateway, reader } = await start((c) => void (c.storage = { ...c.storage, maxBatch }));
      const all = await observer(gateway);
      const onTelemetry = await observer(gateway, gateway.topics.telemetry(ref('gas-01')));
      const gas = await device(gateway, 'gas-01');
      const acceptedBefore = gateway.inside.intake.counts.accepted;

      // The PUBACK arrives: a refusal would disconnect the device and it would resend forever.
      expect(await publishOutcome(gas, gateway.topics.telemetry(ref('gas-01')), payload)).toBe('acked');
      expect(gas.connected).toBe(true);
      // Acknowledged means on disk, dead letters included.
      expect(reader.prepare('SELECT site, device, topic, reason, payload FROM dead_letter').all()).toEqual([
        { site: DEMO_SITE, device: 'gas-01', topic: gateway.topics.telemetry(ref('gas-01')), reason, payload: Buffer.from(payload) },
      ]);

      const deadTopic = gateway.topics.deadletter(ref('gas-01'));
      expect(deadTopic).toBe('shaobing/_deadletter/kitchen-01/gas-01');
      const dead = await eventually(() => all.find((m) => m.topic === deadTopic), 5000, 'dead letter');
      expect(JSON.parse(dead.payload.toString())).toMatchObject({ reason, topic: gateway.topics.telemetry(ref('gas-01')), payload });

      // The device's next valid message is taken as usual.
      const good = reading(7, { ch4: 2.5, co: 3 });
      expect(await publishOutcome(gas, gateway.topics.telemetry(ref('gas-01')), good)).toBe('acked');
      await eventually(() => onTelemetry.some((m) => m.payload.toString() === good), 5000, 'valid telemetry forwarded');
      expect(gateway.inside.intake.counts.accepted).toBe(acceptedBefore + 1);
      expect(gateway.inside.intake.counts.rejected).toBe(1);
      expect(reader.prepare('SELECT seq, readings FROM reading').all()).toEqual([{ seq: 7, readings: JSON.stringify({ ch4: 2.5, co: 3 }) }]);

      // The bad bytes never went out on the telemetry topic.
      expect(onTelemetry.map((m) => m.payload.toString())).toEqual([good]);
      expect(all.filter((m) => m.payload.toString() === payload)).toEqual([]);
      expect(all.filter((m) => m.topic === deadTopic)).toHaveLength(1);
    }
  });

  describe('the site order', () => {
    it('disconnects a device that publishes to the site order and keeps the retained order unchanged', async () => {
      const { gateway } = await start();
      const valve = await device(gateway, 'valve-01');
      const commands = (await collect(valve, gateway.topics.cmd(ref('valve-01')))).messages;

      // A real order: methane at 72 %LEL for four seconds of device time drives a red stop-work.
      const gas = await device(gateway, 'gas-01');
      const base = Date.now() - 10_000;
      for (let i = 0; i < 4; i++) {
        expect(await publishOutcome(gas, gateway.topics.telemetry(ref('gas-01')), reading(i + 1, { ch4: 72 }, base + i * 1000))).toBe('acked');
      }
      const order = await eventually(() => gateway.interlock.activeOrder(DEMO_SITE), 5000, 'stop-work order');
      const command = await eventually(() => commands[0], 5000, 'close command to the valve');
      expect(JSON.parse(command.payload.toString())).toMatchObject({ action: 'close' });
      const retainedBefore = await retainedOrder(gateway);
      expect(retainedBefore).toMatchObject({ state: 'active', orderId: order.id });

      const fan = await device(gateway, 'fan-01');
      const forged = JSON.stringify({ state: 'lifted', orderId: order.id, reason: 'forged', issuedAt: 0, liftedAt: Date.now() });
      expect(await refusedPublish(fan, gateway.topics.order(SITE), forged, true)).toBeInstanceOf(Error);

      expect(await retainedOrder(gateway)).toEqual(retainedBefore);
      expect(gateway.orders.get(order.id)?.state).toBe('active');
      expect(gateway.interlock.activeOrder(DEMO_SITE)?.id).toBe(order.id);
    });

    async function retainedOrder(gateway: RunningGateway): Promise<unknown> {
      // A fresh subscriber sees only what the broker retained.
      const c = await connectClient(gateway.url, { username: OBSERVER.username, password: OBSERVER.password, clientId: `retained-${Math.random().toString(36).slice(2, 8)}` });
      try {
        const { messages } = await collect(c, gateway.topics.order(SITE));
        const message = await eventually(() => messages.find((m) => m.retain), 5000, 'retained order');
        // Give a forged second retained copy the time to show up too.
        await new Promise((r) => setTimeout(r, 50));
        expect(messages.filter((m) => m.retain)).toHaveLength(1);
        return JSON.parse(message.payload.toString());
      } finally {
        await c.endAsync();
      }
    }
  });
});
