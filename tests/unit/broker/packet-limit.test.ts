import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_MAX_PACKET_BYTES, PacketLimit } from '../../../broker/src/packet-limit.js';
import { MAX_PAYLOAD_BYTES } from '../../../gateway/src/contract/telemetry.js';
import { varint } from '../../support/raw-mqtt.js';

function packet(type: number, bodyBytes: number): Buffer {
  return Buffer.concat([Buffer.from([(type << 4) | (type === 3 ? 2 : type === 8 ? 2 : 0), ...varint(bodyBytes)]), Buffer.alloc(bodyBytes, 0xc0)]);
}

/** Feeds `bytes` split at `cuts` and returns the first violation (or null). */
function feedSplit(limit: PacketLimit, bytes: Buffer, cuts: number[]) {
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    const v = limit.feed(bytes.subarray(start, cut));
    if (v) return v;
    start = cut;
  }
  return null;
}

// A stream of a CONNECT, PUBLISHes (one of them 0-length body PINGREQ-like), and a PINGREQ.
const stream = Buffer.concat([packet(1, 40), packet(3, 120), packet(12, 0), packet(3, 200), packet(3, 127), packet(3, 128), packet(14, 0)]);

describe('PacketLimit', () => {
  it('passes a stream of packets within the limit split at every byte, in one and two places', () => {
    const refused: string[] = [];
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) if (feedSplit(new PacketLimit(1000), stream, [a, b]) !== null) refused.push(`${a},${b}`);
    }
    expect(refused).toEqual([]);
    // Byte by byte.
    expect(feedSplit(new PacketLimit(1000), stream, Array.from({ length: stream.length }, (_, i) => i))).toBeNull();
  });

  it('counts the whole packet: a packet of exactly the limit passes, one byte more does not', () => {
    // 200-byte body, two-byte length: 203 bytes in all.
    expect(new PacketLimit(203).feed(packet(3, 200))).toBeNull();
    expect(new PacketLimit(202).feed(packet(3, 200).subarray(0, 3))).toEqual({ reason: 'too_large', packetType: 3, packetBytes: 203 });
  });

  it('cuts a 256 MiB PUBLISH at its header, whatever the split, after valid packets', () => {
    const header = Buffer.from([0x30, ...varint(268_435_455)]);
    const bytes = Buffer.concat([stream, header, Buffer.alloc(64)]);
    for (let a = 0; a <= stream.length + header.length; a++) {
      const limit = new PacketLimit(DEFAULT_MAX_PACKET_BYTES);
      expect(feedSplit(limit, bytes, [a])).toEqual({ reason: 'too_large', packetType: 3, packetBytes: 1 + 4 + 268_435_455 });
      // A dead stream stays dead.
      expect(limit.feed(Buffer.from([0xe0, 0x00]))).toMatchObject({ reason: 'too_large' });
    }
  });

  it('refuses a remaining length of more than four bytes (malformed, MQTT 3.1.1 §2.2.3)', () => {
    const bad = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
    for (let a = 0; a <= bad.length; a++) {
      // A limit above the largest encodable packet: only the malformed length can trip it.
      expect(feedSplit(new PacketLimit(2 ** 30), bad, [a])).toEqual({ reason: 'bad_length' });
    }
    expect(new PacketLimit(2 ** 30).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]))).toBeNull();
  });

  it('agrees with a whole-buffer parse for any packet sizes and any split (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), fc.integer({ min: 100, max: 2500 }), (bodies, rawCuts, max) => {
        const bytes = Buffer.concat(bodies.map((b) => packet(3, b)));
        const cuts = rawCuts.map((c) => c % (bytes.length + 1)).sort((x, y) => x - y);
        const firstTooBig = bodies.find((b) => 1 + varint(b).length + b > max);
        const got = feedSplit(new PacketLimit(max), bytes, cuts);
        expect(got).toEqual(firstTooBig === undefined ? null : { reason: 'too_large', packetType: 3, packetBytes: 1 + varint(firstTooBig).length + firstTooBig });
      }),
      { numRuns: 500 },
    );
  });

  it('leaves room for the largest valid telemetry message and a 1 MiB dead-lettered payload with the longest topic', () => {
    const longestTopicBytes = 512 * 4;
    expect(MAX_PAYLOAD_BYTES + longestTopicBytes).toBeLessThan(DEFAULT_MAX_PACKET_BYTES);
    expect(1 + 4 + 2 + longestTopicBytes + 2 + 1024 * 1024).toBeLessThanOrEqual(DEFAULT_MAX_PACKET_BYTES);
  });

  it('refuses a limit that cannot hold any packet', () => {
    expect(() => new PacketLimit(1)).toThrow(RangeError);
    expect(() => new PacketLimit(Number.NaN)).toThrow(RangeError);
  });
});
