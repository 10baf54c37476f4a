// External-broker mode (Mosquitto, EMQX): the gateway is an mqtt.js client with a persistent QoS1
// session and acknowledges each telemetry message to the broker only after the journal commit,
// the same ack-after-output that Telegraf's persistent sessions use.

import mqtt, { type MqttClient, type IPublishPacket } from 'mqtt';
import { matchesFilter, type Topics } from '../contract/topics.js';
import type { Logger } from '../log.js';
import type { Ingress, MessageHandler, PublishOptions } from './ingress.js';
import type { Intake } from './intake.js';
import type { Done } from './journal.js';
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
}

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
    client.handleMessage = (packet, callback) => this.handle(client, intake, packet, callback);
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
      const granted = await client.subscribeAsync({
        [topics.filters.telemetry]: { qos: 1 },
        [topics.filters.status]: { qos: 1 },
        [topics.filters.cmdAck]: { qos: 1 },
      });
      const refused = granted.filter((g) => g.qos === 128);
      if (refused.length > 0) throw new Error(`external broker refused subscriptions: ${refused.map((g) => g.topic).join(', ')}`);
    } catch (err) {
      // Without this the client would go on reconnecting every second behind a failed start.
      this.abort();
      throw err;
    }
    log.info({ url, clientId }, 'subscribed to external broker');
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

  /**
   * Nothing to do: the external broker (Mosquitto, EMQX) owns the device accounts and whoever
   * runs it adds and removes them there; this gateway holds only its own login.
   */
  applySites(_changes: readonly SiteChange[]): void {}

  async stop(): Promise<void> {
    const client = this.client;
    const out = this.out;
    this.client = null;
    this.out = null;
    this.held = []; // unacknowledged: the broker redelivers them to the next session
    if (client) await client.endAsync();
    if (out) await out.endAsync();
  }

  /** Drops the connection at once, as a killed process would: no DISCONNECT, and no PUBACK for
   * anything not yet acknowledged, so the broker redelivers it to the next session. */
  abort(): void {
    const client = this.client;
    this.client = null;
    this.held = [];
    client?.end(true);
    this.out?.end(true);
    this.out = null;
  }

  /** The live mqtt.js client, for observers of the wire (the tests watch `packetsend`). */
  get mqttClient(): MqttClient | null {
    return this.client;
  }

  isReady(): boolean {
    return (this.client?.connected ?? false) && (this.out?.connected ?? false);
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

  private handle(client: MqttClient, intake: Intake, packet: IPublishPacket, callback: (err?: Error) => void): void {
    const { topics, log } = this.options;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const parsed = topics.parse(packet.topic);
    // Only a QoS1 PUBACK is held back; QoS0 has none (and the QoS1 subscriptions never bring QoS2).
    const deferred = packet.qos === 1 && packet.messageId !== undefined;
    const ack: Done = deferred ? this.deferredPuback(client, packet.messageId!) : () => {};
    if (parsed.ok && parsed.topic.kind === 'telemetry') {
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
      const sameConnection = this.client === client && client.connected && client.stream === stream && !stream.destroyed;
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
