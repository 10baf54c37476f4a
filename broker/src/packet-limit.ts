// A streaming check of MQTT packet sizes in front of aedes: aedes 1.2 has no maximum
// packet size and buffers a whole packet before any hook sees it, so a client announcing a
// 256 MiB PUBLISH costs us 256 MiB. This reads only each fixed header (type byte + remaining
// length varint, MQTT 3.1.1 §2.2) and skips bodies, so the socket can be cut at the header.
// No I/O here: server.ts feeds it chunks and acts on the verdict.

/**
 * Largest whole packet accepted (fixed header included, as MQTT 5 §3.1.2.11.4 counts Maximum
 * Packet Size). Valid telemetry is at most 16 KiB (MAX_PAYLOAD_BYTES, contract/telemetry.ts), but
 * a payload between that and this limit still reaches authorizePublish and is dead-lettered with
 * the reason `too_large`, which is what an operator needs to find the broken device; the hostile-input
 * tests send 1 MiB payloads as hostile input that must be dead-lettered that way. So: 1 MiB of payload +
 * 64 KiB for the topic (512 characters, ≤ 2 KiB UTF-8, topics.ts), packet id and header, with
 * headroom. Above it the connection is cut before anything is buffered. Per connection this also
 * bounds what aedes's parser can hold for one packet.
 */
export const DEFAULT_MAX_PACKET_BYTES = 1024 * 1024 + 64 * 1024;

/** MQTT 3.1.1 §2.2.3: the remaining length takes at most four bytes (268 435 455). */
const MAX_LENGTH_BYTES = 4;

export type PacketLimitViolation =
  | { readonly reason: 'too_large'; readonly packetType: number; readonly packetBytes: number }
  | { readonly reason: 'bad_length' };

const TYPE = 0;
const LENGTH = 1;

/**
 * Follows packet boundaries across chunks. `feed` returns null while every packet header seen so
 * far is within the limit, else the violation (and keeps returning it: the stream is dead).
 * Cost per chunk: one step per header byte, O(1) per body however long.
 */
export class PacketLimit {
  private phase = TYPE;
  private packetType = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  /** Body bytes of the current packet not yet seen. */
  private skip = 0;
  private violation: PacketLimitViolation | null = null;

  constructor(readonly maxPacketBytes: number) {
    if (!(Number.isInteger(maxPacketBytes) && maxPacketBytes >= 2)) throw new RangeError(`maxPacketBytes must be an integer ≥ 2, got ${maxPacketBytes}`);
  }

  feed(chunk: Uint8Array): PacketLimitViolation | null {
    if (this.violation !== null) return this.violation;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.skip > 0) {
        const left = n - i;
        if (this.skip >= left) {
          this.skip -= left;
          return null;
        }
        i += this.skip;
        this.skip = 0;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.phase === TYPE) {
        this.packetType = byte >> 4;
        this.phase = LENGTH;
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.lengthBytes++;
      if ((byte & 0x80) !== 0) {
        if (this.lengthBytes === MAX_LENGTH_BYTES) return (this.violation = { reason: 'bad_length' });
        this.multiplier *= 128;
        continue;
      }
      const packetBytes = 1 + this.lengthBytes + this.length;
      if (packetBytes > this.maxPacketBytes) return (this.violation = { reason: 'too_large', packetType: this.packetType, packetBytes });
      this.skip = this.length;
      this.phase = TYPE;
    }
    return null;
  }
}
