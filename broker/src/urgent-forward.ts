// A stop-work command on its way to a gas valve or exhaust fan is written to the actuator's socket
// at once, from aedes's authorizeForward hook, instead of one event-loop turn later. aedes 1.2
// delivers every message to a subscriber from a setImmediate ("to clear stacks"), and a busy
// gateway's poll phase reads every ready device socket before that runs: at 10 000 readings/s
// the command left the gateway 24 ms after the red reading but reached the valve 137 ms after it
// (issue 7, bench command_sent vs valve). The write below is what aedes's own delivery does for a
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
  readonly conn: { write(chunk: Buffer): boolean; readonly destroyed?: boolean };
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

/** Whether `packet`, on its way to `client`, is a gateway command that goes out at once. */
export function isUrgent(packet: ForwardedPacket, client: Client, topics: Topics): boolean {
  if (packet.clientId !== undefined || packet.retain || packet.qos > 1) return false;
  const c = client as unknown as ClientInternals;
  if (!c.clean || !c.connected || c.conn.destroyed || (c.version !== 3 && c.version !== 4)) return false;
  // The actuator's own subscription to its cmd topic. A wildcard subscriber keeps aedes's path:
  // this hook cannot tell which of aedes's deliver functions (QoS 0 or 1) called it.
  if (c.subscriptions[packet.topic] === undefined) return false;
  const parsed = topics.parse(packet.topic);
  return parsed.ok && parsed.topic.kind === 'cmd';
}

/** Writes `packet` to `client` as aedes would (QoS capped by the subscription, aedes's packet ids). */
export function writeNow(packet: ForwardedPacket, client: Client): void {
  const c = client as unknown as ClientInternals;
  const qos: 0 | 1 = packet.qos === 1 && (c.subscriptions[packet.topic]?.qos ?? 0) >= 1 ? 1 : 0;
  let messageId = 0;
  if (qos === 1) {
    // aedes's QoSPacket numbering, so ids never collide with what aedes itself sends this client.
    messageId = c._nextId;
    c._nextId = c._nextId >= 65535 ? 1 : c._nextId + 1;
  }
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  c.conn.write(encodePublish(packet.topic, payload, qos, messageId));
}
