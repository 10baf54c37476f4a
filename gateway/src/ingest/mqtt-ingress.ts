// External-broker mode (Mosquitto, EMQX): an mqtt.js client with persistent QoS1 sessions that
// acknowledges each telemetry message only after the journal commit (Telegraf's ack-after-output).
// One plain subscription by default; with `connections` > 1, members of one shared subscription
// (one broker queue each, so a busy socket does not hold a red reading behind the fleet's), whose
// readings may arrive out of order: dedup takes a late one by its seq and detection gets them back
// in order (device-order.ts). Each PUBACK goes on the connection that carried its PUBLISH.

import mqtt, { type MqttClient, type IPublishPacket } from 'mqtt';
import { matchesFilter, sharedFilter, type Topics } from '../contract/topics.js';
import type { Logger } from '../log.js';
import type { Ingress, MessageHandler, PublishOptions } from './ingress.js';
import type { Intake } from './intake.js';
import type { Done } from './journal.js';
import type { ShareMembers } from '../store/sqlite-share-members.js';
import type { SiteChange } from '../registry/fleet.js';

export interface MqttIngressOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** For an mqtts:// url: CA of the broker's certificate, and the gateway's certificate and key (PEM). */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly topics: Topics;
  readonly log: Logger;
  /** Connections taking telemetry (ingress-from-config.ts subscriptionConnections); default 1. */
  readonly connections?: number;
  /** The shared-subscription group when `connections` > 1. */
  readonly sharedGroup?: string;
  /** Where the members that joined the group are remembered, so one no longer used is retired
   * at the next start (store/sqlite-share-members.ts); absent: none is. */
  readonly members?: ShareMembers;
}

/** A retiring member that stays quiet this long after its UNSUBACK has delivered its queue. */
const RETIRE_QUIET_MS = 500;
/** A retiring member still delivering after this is left for the next start, said loudly. */
const RETIRE_LIMIT_MS = 60_000;

/** mqtt.js 5.16 (build/lib/handlers/publish.js) sends a QoS1 PUBACK when handleMessage calls
 * back without an error, and reads the next packet only after that callback: waiting there for
 * the commit would take one message per commit interval. An error passed to that callback makes
 * it skip the PUBACK and go on to the next packet, without an `error` event. So handleMessage
 * calls back at once with this marker and the PUBACK is written after the commit through the
 * client's packet writer. (`customHandleAcks` is no way out: mqtt.js honours it for MQTT 5 only,
 * and it blocks the next packet the same way.) */
const ACK_DEFERRED = new Error('puback deferred until the message is committed or handled');

/** Messages held for a handler not yet registered; past this the broker keeps them. */
const MAX_HELD = 10_000;

type PacketWriter = { _sendPacket(packet: { cmd: 'puback'; messageId: number }, cb?: (err?: Error) => void): void };

export class MqttIngress implements Ingress {
  readonly kind = 'external' as const;
  private client: MqttClient | null = null;
  /** The other members of the shared telemetry subscription (the first is `client`). */
  private shared: MqttClient[] = [];
  /** Telemetry messages taken per connection, `client` first (how evenly the broker spreads them). */
  private taken: number[] = [];
  /** Former members being drained (retireMembers); their PUBACKs go out like the others'. */
  private readonly retiring = new Set<MqttClient>();
  /** PUBACKs a retiring member owes: it leaves only once it owes none. */
  private readonly owed = new Map<MqttClient, number>();
  /** Former members retired at the last start, by client id. */
  retired: string[] = [];
  /** A second connection for what the gateway publishes (valve commands, orders, dead letters):
   * on the main one a command queued behind the PUBACKs of every telemetry message, and at
   * 20 000 readings/s offered it reached the valve 5 s after the gateway sent it (bench/results/pipeline.json). */
  private out: MqttClient | null = null;
  private readonly handlers: { filter: string; handler: MessageHandler }[] = [];
  private held: { topic: string; payload: Buffer; ack: () => void }[] = [];
  private heldOverflow = 0;

  constructor(private readonly options: MqttIngressOptions) {}

  async start(intake: Intake): Promise<void> {
    const { url, clientId, topics, log } = this.options;
    // The publish lane first: the persistent session below delivers its backlog the moment it
    // connects, and a red reading in it issues a stop-work order whose valve command must go out
    // at once, not fail with no connection to publish on.
    try {
      this.out = await this.connectPublisher();
    } catch (err) {
      this.abort();
      throw err;
    }
    // Persistent session: the broker keeps what we have not acknowledged.
    const client = this.connection(clientId, false);
    if (typeof (client as unknown as Partial<PacketWriter>)._sendPacket !== 'function') {
      throw new Error('mqtt.js no longer exposes _sendPacket: the deferred PUBACK needs another way (see mqtt-ingress.ts)');
    }
    this.shared = [];
    this.taken = [0];
    client.handleMessage = (packet, callback) => this.handle(client, intake, packet, callback, 0);
    client.on('error', (err) => log.error({ err }, 'external broker error'));
    client.on('reconnect', () => log.warn({ url }, 'reconnecting to external broker'));
    client.on('offline', () => log.warn({ url }, 'external broker offline'));
    this.client = client;
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.connect();
      });
      const telemetry = this.telemetryFilter();
      const granted = await client.subscribeAsync({
        [telemetry]: { qos: 1 },
        [topics.filters.status]: { qos: 1 },
        [topics.filters.cmdAck]: { qos: 1 },
      });
      const refused = granted.filter((g) => g.qos === 128);
      if (refused.length > 0) throw new Error(`external broker refused subscriptions: ${refused.map((g) => g.topic).join(', ')}`);
      // The session may hold the other form from a run with another connection count: both would
      // deliver every reading twice. What it queued under it has been delivered by now.
      const other = telemetry === topics.filters.telemetry ? this.sharedFilter() : topics.filters.telemetry;
      await client.unsubscribeAsync(other);
      for (let k = 1; k < this.connectionCount(); k++) await this.connectMember(intake, k);
      this.remember();
      // Only now: the members that stay are up to take over the share of those that leave.
      await this.retireMembers(intake);
    } catch (err) {
      // Without this the client would go on reconnecting every second behind a failed start.
      this.abort();
      throw err;
    }
    log.info({ url, clientId, connections: this.connectionCount(), filter: this.telemetryFilter() }, 'subscribed to external broker');
  }

  private connectionCount(): number {
    return Math.max(1, this.options.connections ?? 1);
  }

  private sharedFilter(): string {
    return sharedFilter(this.options.sharedGroup ?? 'shaobing', this.options.topics.filters.telemetry);
  }

  /** One connection: the plain filter; several: the members of the shared subscription. */
  private telemetryFilter(): string {
    return this.connectionCount() > 1 ? this.sharedFilter() : this.options.topics.filters.telemetry;
  }

  /** Records the members of this start (main included when it is one) as having joined the group. */
  private remember(): void {
    for (const id of this.memberIds()) this.options.members?.add(id, this.sharedFilter());
  }

  private memberIds(): string[] {
    return this.connectionCount() === 1 ? [] : [this.options.clientId, ...Array.from({ length: this.connectionCount() - 1 }, (_, i) => `${this.options.clientId}-share-${i + 1}`)];
  }

  /**
   * Every member remembered but not connected this time: connects its persistent session, takes
   * what it queued (journaled and acknowledged like any reading), unsubscribes it from the group so
   * the broker hands it nothing more, and leaves once it is quiet and owes no PUBACK. The main
   * connection's own former shared subscription was already swapped in start().
   */
  private async retireMembers(intake: Intake): Promise<void> {
    const { members, log } = this.options;
    this.retired = [];
    if (!members) return;
    const keep = new Set(this.memberIds());
    for (const { clientId: id, filter } of members.list()) {
      if (keep.has(id)) continue;
      if (id === this.options.clientId) {
        members.remove(id);
        continue;
      }
      try {
        await this.retire(intake, id, filter);
        members.remove(id);
        this.retired.push(id);
        log.warn({ clientId: id, filter }, 'retired a former shared-subscription member: its queued readings are journaled and it receives no more');
      } catch (err) {
        log.error({ err, clientId: id, filter }, 'could not retire a former shared-subscription member: the broker still queues part of the readings for it; tried again at the next start');
      }
    }
  }

  private async retire(intake: Intake, id: string, filter: string): Promise<void> {
    const former = this.connection(id, false);
    former.options.reconnectPeriod = 0;
    this.retiring.add(former);
    let lastMs = performance.now();
    former.handleMessage = (packet, callback) => {
      lastMs = performance.now();
      this.handle(former, intake, packet, callback, -1);
    };
    try {
      await new Promise<void>((resolve, reject) => {
        former.once('connect', () => resolve());
        former.once('error', reject);
        // Without reconnects a refused or timed-out connect only closes: never wait on it forever.
        former.once('close', () => reject(new Error('connection closed before CONNACK')));
        former.connect();
      });
      await former.unsubscribeAsync(filter);
      const start = performance.now();
      while (performance.now() - lastMs < RETIRE_QUIET_MS || (this.owed.get(former) ?? 0) > 0) {
        if (performance.now() - start > RETIRE_LIMIT_MS) throw new Error(`still delivering after ${RETIRE_LIMIT_MS} ms`);
        // What it delivered and did not see acknowledged goes back to its session at the broker.
        if (!former.connected) throw new Error('connection lost while draining');
        await new Promise((r) => setTimeout(r, 50));
      }
      await former.endAsync();
    } catch (err) {
      former.end(true);
      throw err;
    } finally {
      this.retiring.delete(former);
      this.owed.delete(former);
    }
  }

  /** Member k (≥ 1) of the shared subscription: a persistent session of its own, telemetry only. */
  private async connectMember(intake: Intake, k: number): Promise<void> {
    const { url, clientId, log } = this.options;
    const member = this.connection(`${clientId}-share-${k}`, false);
    this.taken[k] = 0;
    // Listed before it connects: a resumed session delivers its backlog right after CONNACK, and
    // a commit's PUBACK goes only to a connection listed here.
    this.shared.push(member);
    member.handleMessage = (packet, callback) => this.handle(member, intake, packet, callback, k);
    member.on('error', (err) => log.error({ err, member: k }, 'external broker error'));
    member.on('reconnect', () => log.warn({ url, member: k }, 'reconnecting to external broker'));
    member.on('offline', () => log.warn({ url, member: k }, 'external broker offline'));
    await new Promise<void>((resolve, reject) => {
      member.once('connect', () => resolve());
      member.once('error', reject);
      member.connect();
    });
    const granted = await member.subscribeAsync({ [this.sharedFilter()]: { qos: 1 } });
    if (granted.some((g) => g.qos === 128)) throw new Error(`external broker refused the shared subscription ${this.sharedFilter()} (member ${k})`);
  }

  /** Telemetry messages each connection has carried so far, the first connection first. */
  takenPerConnection(): readonly number[] {
    return [...this.taken];
  }

  /** The publish lane: a clean session (it subscribes to nothing), reconnecting like the main one;
   * mqtt.js keeps its unacknowledged QoS1 publishes and sends them again after a reconnect. */
  private async connectPublisher(): Promise<MqttClient> {
    const out = this.connection(`${this.options.clientId}-out`, true);
    const log = this.options.log;
    out.on('error', (err) => log.error({ err }, 'external broker publish connection error'));
    await new Promise<void>((resolve, reject) => {
      out.once('connect', () => resolve());
      out.once('error', reject);
      out.connect();
    });
    return out;
  }

  /** An mqtt.js client of the gateway's account, not yet connected (`manualConnect`). */
  private connection(clientId: string, clean: boolean): MqttClient {
    const { url, username, password } = this.options;
    return mqtt.connect(url, {
      clientId,
      clean,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...this.options.tls,
      manualConnect: true,
    });
  }

  /** Nothing to do: the external broker owns the device accounts; the gateway holds only its own login. */
  applySites(_changes: readonly SiteChange[]): void {}

  async stop(): Promise<void> {
    const client = this.client;
    const out = this.out;
    const shared = this.shared;
    this.client = null;
    this.out = null;
    this.shared = [];
    this.held = []; // unacknowledged: the broker redelivers them to the next session
    if (client) await client.endAsync();
    await Promise.all(shared.map((m) => m.endAsync()));
    if (out) await out.endAsync();
  }

  /** Drops the connection at once, as a killed process would: no DISCONNECT, and no PUBACK for
   * anything not yet acknowledged, so the broker redelivers it to the next session. */
  abort(): void {
    const client = this.client;
    this.client = null;
    this.held = [];
    client?.end(true);
    for (const m of this.shared) m.end(true);
    this.shared = [];
    this.out?.end(true);
    this.out = null;
  }

  /** The live mqtt.js client, for observers of the wire (the tests watch `packetsend`). */
  get mqttClient(): MqttClient | null {
    return this.client;
  }

  /** Every live connection that takes telemetry, the first one first (tests watch their PUBACKs). */
  get telemetryClients(): readonly MqttClient[] {
    return this.client ? [this.client, ...this.shared] : [];
  }

  isReady(): boolean {
    return (this.client?.connected ?? false) && (this.out?.connected ?? false) && this.shared.every((m) => m.connected);
  }

  async publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void> {
    if (!this.out) throw new Error('external broker client not started');
    await this.out.publishAsync(topic, payload, { qos: options.qos, retain: options.retain });
  }

  async subscribe(filter: string, handler: MessageHandler): Promise<void> {
    // The broker subscription itself is made at start (persistent session); here we only route.
    this.handlers.push({ filter, handler });
    const ready = this.held.filter((m) => matchesFilter(filter, m.topic));
    if (ready.length === 0) return;
    this.held = this.held.filter((m) => !matchesFilter(filter, m.topic));
    for (const m of ready) {
      this.dispatch(m.topic, m.payload);
      m.ack();
    }
  }

  private handle(client: MqttClient, intake: Intake, packet: IPublishPacket, callback: (err?: Error) => void, member: number): void {
    const { topics, log } = this.options;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const parsed = topics.parse(packet.topic);
    // Only a QoS1 PUBACK is held back; QoS0 has none (and the QoS1 subscriptions never bring QoS2).
    const deferred = packet.qos === 1 && packet.messageId !== undefined;
    const ack: Done = deferred ? this.deferredPuback(client, packet.messageId!) : () => {};
    if (deferred && this.retiring.has(client)) this.owed.set(client, (this.owed.get(client) ?? 0) + 1);
    if (parsed.ok && parsed.topic.kind === 'telemetry') {
      if (member >= 0) this.taken[member] = (this.taken[member] ?? 0) + 1;
      const result = intake.takeTelemetry({ site: parsed.topic.site, device: parsed.topic.device }, packet.topic, payload, ack);
      if (result.kind === 'rejected') {
        (this.out ?? client).publish(result.deadLetter.topic, result.deadLetter.payload, { qos: 1 }, (err) => {
          if (err) log.error({ err }, 'dead letter publish failed (it is kept in the journal)');
        });
      }
      callback(deferred ? ACK_DEFERRED : undefined);
      return;
    }
    if (!this.handlers.some((h) => matchesFilter(h.filter, packet.topic))) {
      // A resumed session delivers its queued status and cmd/ack messages right after CONNACK,
      // and a subscription brings the retained statuses, all before the runtime has registered
      // its handlers: hold them, unacknowledged, until `subscribe` registers one.
      if (this.held.length < MAX_HELD) {
        this.held.push({ topic: packet.topic, payload, ack });
      } else if (++this.heldOverflow === 1) {
        // Unacknowledged, so the broker still has it: said once, not per message.
        log.error({ topic: packet.topic, held: MAX_HELD }, 'no handler for held messages; leaving the rest to the broker');
      }
      callback(deferred ? ACK_DEFERRED : undefined);
      return;
    }
    this.dispatch(packet.topic, payload);
    callback(); // handled: mqtt.js sends the PUBACK
  }

  /** The PUBACK of one message, to run once it is committed (or handled). A PUBACK belongs to the
   * connection that carried the PUBLISH: once that connection is gone the broker redelivers the
   * message to the session, where the copy is deduplicated by seq and acknowledged. mqtt.js
   * would instead queue this PUBACK and send it after a reconnect, when the broker may have
   * given the packet id to another message. */
  private deferredPuback(client: MqttClient, messageId: number): Done {
    const stream = client.stream;
    return (err) => {
      const owed = this.owed.get(client);
      if (owed !== undefined) this.owed.set(client, owed - 1);
      const sameConnection = (this.client === client || this.shared.includes(client) || this.retiring.has(client)) && client.connected && client.stream === stream && !stream.destroyed;
      if (err) {
        // Not on disk, so not acknowledged: drop the connection and the broker redelivers.
        this.options.log.error({ err }, 'commit failed; reconnecting so the broker redelivers');
        if (sameConnection) stream.destroy();
        return;
      }
      if (sameConnection) (client as unknown as PacketWriter)._sendPacket({ cmd: 'puback', messageId });
    };
  }

  private dispatch(topic: string, payload: Buffer): void {
    for (const { filter, handler } of this.handlers) {
      if (!matchesFilter(filter, topic)) continue;
      try {
        handler(topic, payload);
      } catch (err) {
        this.options.log.error({ err, topic }, 'subscriber failed');
      }
    }
  }
}
