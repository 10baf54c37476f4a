// A stop-work command on its way to a gas valve or exhaust fan is written to the actuator's socket
// at once, from aedes's authorizeForward hook, instead of one event-loop turn later. aedes 1.2
// delivers every message to a subscriber from a setImmediate ("to clear stacks"), and a busy
// gateway's poll phase reads every ready device socket before that runs: at 10 000 readings/s
// the command left the gateway 24 ms after the red reading but reached the valve 137 ms after it
// (bench/pipeline.ts, command_sent vs valve). The write below is what aedes's own delivery does for a
// clean session (client.js deliverQoS → QoSPacket → write), minus the wait. The hook then returns
// null, so aedes does not send it a second time.
//
// Taken only where nothing is lost by skipping aedes's path: a message the gateway itself
// published (no clientId) on a device `cmd` topic, not retained, to a connected clean-session
// client subscribed to exactly that topic. A persistent session keeps aedes's path, which records
// the message for redelivery.
// Every gateway command to a client goes the same way, so their order on the topic is kept.

import type { Client } from 'aedes';
import type { Topics } from '../../gateway/src/contract/topics.js';

/** What authorizeForward sees of a message (aedes-packet). */
export interface ForwardedPacket {
  readonly topic: string;
  readonly payload: Buffer | string;
  readonly qos: number;
  readonly retain: boolean;
  readonly clientId?: string;
}

/** The parts of an aedes client the write needs; aedes keeps them as plain fields. */
interface ClientInternals {
  readonly clean: boolean;
  readonly connected: boolean;
  readonly version: number | null;
  readonly subscriptions: Record<string, { readonly qos?: number } | undefined>;
  readonly conn: { write(chunk: Buffer): boolean; setNoDelay?(noDelay: boolean): unknown; readonly destroyed?: boolean };
  _nextId: number;
}

/**
 * An MQTT 3.1 / 3.1.1 PUBLISH (§3.3) with DUP 0 and RETAIN 0; `messageId` only for QoS 1. (aedes
 * 1.2 refuses MQTT 5 connections, so no property block.)
 */
export function encodePublish(topic: string, payload: Buffer, qos: 0 | 1, messageId: number): Buffer {
  const topicLength = Buffer.byteLength(topic);
  const remaining = 2 + topicLength + (qos === 1 ? 2 : 0) + payload.length;
  let lengthBytes = 1;
  for (let n = remaining; n >= 128; n = Math.floor(n / 128)) lengthBytes++;
  const out = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  out[0] = 0x30 | (qos << 1);
  let at = 1;
  let n = remaining;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out[at++] = byte;
  } while (n > 0);
  out.writeUInt16BE(topicLength, at);
  at += 2;
  at += out.write(topic, at, 'utf8');
  if (qos === 1) {
    out.writeUInt16BE(messageId, at);
    at += 2;
  }
  payload.copy(out, at);
  return out;
}

/** A message the gateway itself published (no clientId) on a device `cmd` topic, not retained. */
function isGatewayCommand(packet: ForwardedPacket, topics: Topics): boolean {
  if (packet.clientId !== undefined || packet.retain || packet.qos > 1) return false;
  const parsed = topics.parse(packet.topic);
  return parsed.ok && parsed.topic.kind === 'cmd';
}

/** A connected clean-session MQTT 3.1/3.1.1 client subscribed to exactly `topic`. */
function takesWriteNow(client: Client, topic: string): boolean {
  const c = client as unknown as ClientInternals;
  if (!c.clean || !c.connected || c.conn.destroyed || (c.version !== 3 && c.version !== 4)) return false;
  // The actuator's own subscription to its cmd topic. A wildcard subscriber keeps aedes's path:
  // authorizeForward cannot tell which of aedes's deliver functions (QoS 0 or 1) called it.
  return c.subscriptions[topic] !== undefined;
}

/** Writes `packet` to `client` as aedes would (QoS capped by the subscription, aedes's packet ids). */
function writeNow(packet: ForwardedPacket, client: Client): void {
  const c = client as unknown as ClientInternals;
  const qos: 0 | 1 = packet.qos === 1 && (c.subscriptions[packet.topic]?.qos ?? 0) >= 1 ? 1 : 0;
  let messageId = 0;
  if (qos === 1) {
    // aedes's QoSPacket numbering, so ids never collide with what aedes itself sends this client.
    messageId = c._nextId;
    c._nextId = c._nextId >= 65535 ? 1 : c._nextId + 1;
  }
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  // Nagle would hold a small write while anything sent earlier on this connection is unacknowledged
  // (up to the valve's 40 ms delayed ACK); a command goes out in its own segment now.
  c.conn.setNoDelay?.(true);
  c.conn.write(encodePublish(packet.topic, payload, qos, messageId));
}

/**
 * The two ways a gateway command skips the wait: `sendNow` before the gateway hands the message
 * to aedes.publish (from inside an aedes hook, where aedes.publish itself must not be called:
 * aedes-ingress.ts), and `forward` in authorizeForward for whatever aedes still delivers. Which
 * clients already have a message is kept by its payload Buffer, which aedes passes along as is
 * (aedes-packet copies the reference), so nobody gets it twice.
 */
export class UrgentForwarder {
  private readonly sent = new WeakMap<Buffer, Set<Client>>();
  /** Commands written ahead of aedes's delivery. */
  writes = 0;

  constructor(
    private readonly topics: Topics,
    private readonly clients: () => Iterable<Client>,
  ) {}

  /** Writes a gateway command to every subscriber that takes it now; returns how many. */
  sendNow(packet: ForwardedPacket & { readonly payload: Buffer }): number {
    if (!isGatewayCommand(packet, this.topics)) return 0;
    let to: Set<Client> | undefined;
    for (const client of this.clients()) {
      if (!takesWriteNow(client, packet.topic)) continue;
      writeNow(packet, client);
      (to ??= new Set()).add(client);
    }
    if (!to) return 0;
    this.sent.set(packet.payload, to);
    this.writes += to.size;
    return to.size;
  }

  /** For authorizeForward: the packet for aedes to deliver, or null when the client has it already or now. */
  forward(client: Client, packet: ForwardedPacket): ForwardedPacket | null {
    if (Buffer.isBuffer(packet.payload) && this.sent.get(packet.payload)?.has(client)) return null;
    if (!isGatewayCommand(packet, this.topics) || !takesWriteNow(client, packet.topic)) return packet;
    writeNow(packet, client);
    this.writes++;
    return null;
  }
}
