// encodePublish (broker/src/urgent-forward.ts): the PUBLISH a stop-work command is written as,
// byte for byte as MQTT 3.1.1 §3.3 lays it out.

import { describe, expect, it } from 'vitest';
import { encodePublish } from '../../../broker/src/urgent-forward.js';
import { varint } from '../../support/raw-mqtt.js';

/** The fields back out of a PUBLISH, read the way the spec describes them. */
function decode(buf: Buffer): { header: number; remaining: number; topic: string; messageId: number | null; payload: string } {
  let at = 1;
  let remaining = 0;
  for (let mult = 1; ; mult *= 128) {
    const b = buf[at++]!;
    remaining += (b & 0x7f) * mult;
    if ((b & 0x80) === 0) break;
  }
  expect(buf.length - at).toBe(remaining);
  const topicLength = buf.readUInt16BE(at);
  const topic = buf.toString('utf8', at + 2, at + 2 + topicLength);
  at += 2 + topicLength;
  const qos = (buf[0]! >> 1) & 3;
  const messageId = qos > 0 ? buf.readUInt16BE(at) : null;
  if (qos > 0) at += 2;
  return { header: buf[0]!, remaining, topic, messageId, payload: buf.toString('utf8', at) };
}

describe('encodePublish', () => {
  it('lays out a QoS 1 command: header 0x32, length, topic, packet id, payload', () => {
    const buf = encodePublish('shaobing/k/valve-01/cmd', Buffer.from('{"id":"c1","action":"close"}'), 1, 513);
    expect(decode(buf)).toEqual({ header: 0x32, remaining: 2 + 23 + 2 + 28, topic: 'shaobing/k/valve-01/cmd', messageId: 513, payload: '{"id":"c1","action":"close"}' });
    expect([...buf.subarray(0, 4)]).toEqual([0x32, 55, 0, 23]);
  });

  it('has no packet id at QoS 0', () => {
    expect(decode(encodePublish('a/b', Buffer.from('x'), 0, 0))).toEqual({ header: 0x30, remaining: 6, topic: 'a/b', messageId: null, payload: 'x' });
  });

  it('counts the topic in UTF-8 bytes and writes a multi-byte remaining length', () => {
    const topic = 'shaobing/厨房-01/阀门/cmd';
    const payload = Buffer.from('y'.repeat(20_000));
    const buf = encodePublish(topic, payload, 1, 65535);
    const remaining = 2 + Buffer.byteLength(topic) + 2 + 20_000;
    expect([...buf.subarray(1, 1 + varint(remaining).length)]).toEqual(varint(remaining));
    expect(decode(buf)).toMatchObject({ topic, messageId: 65535, remaining });
  });
});
