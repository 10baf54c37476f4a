// A minimal MQTT 3.1.1 publisher over `net` for the pipeline benchmark's simulated fleet, the way
// emqtt-bench and mqtt-benchmark load their brokers: CONNECT/CONNACK, PUBLISH QoS1 with packet
// ids, PUBACK, PINGREQ at keepalive, DISCONNECT, and nothing else (no subscriptions, no QoS2, no
// reconnect). Each publish is one pre-sized Buffer (topic bytes encoded once) and one write, so
// a detector costs the machine a few µs per reading instead of mqtt.js's tens: the load shares
// two cores with the gateway it measures, where real detectors are each their own hardware.
//
// A connection that closes with publishes unacknowledged fails them (and the run) loudly rather
// than resending them with DUP after a reconnect: a bench that hid a disconnect would be lying.
//
// Self-contained on purpose: `rawMqtt(net)` uses nothing but its parameter and globals, because
// the load runs it in a `node -e` child from its source text (pipeline-spawn.ts).

import type * as Net from 'node:net';

export interface RawConnectOptions {
  /** `mqtt://host:port`. */
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** MQTT 3.1.1 clean session; the bench's devices use true. */
  readonly clean: boolean;
  /** Seconds; 0 turns keepalive off. */
  readonly keepaliveS: number;
  readonly connectTimeoutMs: number;
}

/** A topic encoded once (2-byte length + UTF-8): every publish copies these bytes. */
export interface RawTopic {
  readonly name: string;
  readonly bytes: Buffer;
}

/** Called once per publish: null on its PUBACK, the error when the connection closed first. */
export type AckCallback = (err: Error | null) => void;

export interface RawMqttClient {
  /** QoS1: `onAck` runs on the PUBACK. Throws if the connection is closed or 65 535 are in flight. */
  publish(topic: RawTopic, payload: string | Buffer, onAck: AckCallback): void;
  readonly inFlight: number;
  /** PINGRESPs received so far. */
  readonly pingsAnswered: number;
  /** TCP reads so far: fewer than the packets they held means packets arrived coalesced. */
  readonly chunksReceived: number;
  /** Runs once when the connection closes: null after `end()`, else why (with the unacknowledged count). */
  onClose(handler: (err: Error | null) => void): void;
  /** DISCONNECT, then close; resolves when the socket is closed. */
  end(): Promise<void>;
}

/** Splits a byte stream into MQTT packets, whatever the TCP chunking (split or coalesced). */
export interface PacketParser {
  /** Calls `onPacket` for every packet the bytes so far complete; throws on a malformed length. */
  push(chunk: Buffer): void;
  /** Bytes of an incomplete packet waiting for more. */
  readonly pendingBytes: number;
}

/** A refused CONNECT: `returnCode` is the CONNACK's (MQTT 3.1.1 §3.2.2.3). */
export interface ConnectRefused extends Error {
  readonly returnCode: number;
}

export interface RawMqtt {
  connect(o: RawConnectOptions): Promise<RawMqttClient>;
  topic(name: string): RawTopic;
  /** `header` is the fixed header's first byte (type << 4 | flags), `body` the rest after the length. */
  packetParser(onPacket: (header: number, body: Buffer) => void): PacketParser;
}

export function rawMqtt(net: typeof Net): RawMqtt {
  // MQTT 3.1.1 §2.2.1 control packet types, high nibble of the first byte.
  const CONNECT = 0x10;
  const CONNACK = 2;
  const PUBLISH_QOS1 = 0x32; // §3.3.1: type 3, DUP 0, QoS 1, RETAIN 0
  const PUBACK = 4;
  const PINGRESP = 13;
  const PINGREQ_BYTES = Buffer.from([0xc0, 0x00]);
  const DISCONNECT_BYTES = Buffer.from([0xe0, 0x00]);
  // §3.2.2.3 CONNACK return codes.
  const REFUSALS = ['accepted', 'unacceptable protocol version', 'identifier rejected', 'server unavailable', 'bad user name or password', 'not authorized'];
  const MAX_REMAINING = 268_435_455; // §2.2.3: four bytes of varint
  // Every connection reads into this one buffer (net's `onread`: no allocation and no stream
  // machinery per read). Safe because each read is parsed before the next one, and the parser
  // copies what it must keep.
  const readBuffer = Buffer.allocUnsafe(64 * 1024);

  function varintLength(n: number): number {
    return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
  }

  /** Writes the remaining-length varint at `at`; returns the position after it. */
  function writeVarint(buf: Buffer, at: number, n: number): number {
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 128;
      buf[at++] = byte;
    } while (n > 0);
    return at;
  }

  function lengthPrefixed(s: string): Buffer {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > 65_535) throw new RangeError(`MQTT string of ${bytes.length} bytes: the limit is 65 535`);
    const out = Buffer.allocUnsafe(2 + bytes.length);
    out.writeUInt16BE(bytes.length, 0);
    bytes.copy(out, 2);
    return out;
  }

  function topic(name: string): RawTopic {
    if (name.length === 0 || /[+#\u0000]/.test(name)) throw new RangeError(`not a topic name to publish to: ${JSON.stringify(name)}`);
    return { name, bytes: lengthPrefixed(name) };
  }

  function connectPacket(o: RawConnectOptions): Buffer {
    // §3.1.2: protocol name "MQTT", level 4, connect flags, keepalive; §3.1.3: the payload.
    let flags = o.clean ? 0x02 : 0;
    const parts = [lengthPrefixed('MQTT'), Buffer.from([4, 0, (o.keepaliveS >> 8) & 0xff, o.keepaliveS & 0xff]), lengthPrefixed(o.clientId)];
    if (o.username !== undefined) {
      flags |= 0x80;
      parts.push(lengthPrefixed(o.username));
    }
    if (o.password !== undefined) {
      if (o.username === undefined) throw new RangeError('MQTT 3.1.1 §3.1.2.9: a password needs a user name');
      flags |= 0x40;
      parts.push(lengthPrefixed(o.password));
    }
    parts[1]![1] = flags;
    const body = Buffer.concat(parts);
    const out = Buffer.allocUnsafe(1 + varintLength(body.length) + body.length);
    out[0] = CONNECT;
    body.copy(out, writeVarint(out, 1, body.length));
    return out;
  }

  function packetParser(onPacket: (header: number, body: Buffer) => void): PacketParser {
    let pending: Buffer | null = null;
    return {
      get pendingBytes() {
        return pending ? pending.length : 0;
      },
      push(chunk: Buffer): void {
        const buf: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
        pending = null;
        let pos = 0;
        while (buf.length - pos >= 2) {
          let length = 0;
          let factor = 1;
          let at = pos + 1;
          let complete = false;
          while (at < buf.length && at < pos + 5) {
            const byte = buf[at++]!;
            length += (byte & 127) * factor;
            factor *= 128;
            if ((byte & 128) === 0) {
              complete = true;
              break;
            }
          }
          if (!complete) {
            if (at === pos + 5) throw new Error('malformed MQTT packet: remaining length longer than four bytes');
            break; // the length itself is split: wait for more
          }
          if (buf.length - at < length) break;
          onPacket(buf[pos]!, buf.subarray(at, at + length));
          pos = at + length;
        }
        // Copied: a view would keep the whole chunk alive.
        if (pos < buf.length) pending = Buffer.from(buf.subarray(pos));
      },
    };
  }

  function refused(code: number): ConnectRefused {
    const err = new Error(`MQTT CONNECT refused: return code ${code} (${REFUSALS[code] ?? 'unknown'})`) as Error & { returnCode: number };
    err.name = 'ConnectRefused';
    err.returnCode = code;
    return err;
  }

  function connect(o: RawConnectOptions): Promise<RawMqttClient> {
    const url = new URL(o.url);
    if (url.protocol !== 'mqtt:' && url.protocol !== 'tcp:') throw new RangeError(`raw MQTT client speaks plain TCP only, not ${url.protocol}`);
    const keepaliveMs = o.keepaliveS * 1000;
    if (!Number.isInteger(o.keepaliveS) || o.keepaliveS < 0 || o.keepaliveS > 65_535) throw new RangeError(`keepalive ${o.keepaliveS} s is not 0–65 535`);
    const connectBytes = connectPacket(o);

    return new Promise((resolve, reject) => {
      const inFlight = new Map<number, AckCallback>();
      let nextId = 0;
      let connected = false;
      let ending = false;
      let closeError: Error | null = null;
      let closeHandler: ((err: Error | null) => void) | null = null;
      let closed = false;
      let sentSinceTick = false;
      let pingSentAt = 0;
      let pingsAnswered = 0;
      let chunksReceived = 0;
      let keepTimer: NodeJS.Timeout | null = null;
      // Assigned below; reads start only after the socket connects.
      let parser: PacketParser | null = null;
      const onData = (nread: number, buf: Uint8Array): boolean => {
        chunksReceived++;
        try {
          parser!.push((buf as Buffer).subarray(0, nread));
        } catch (err) {
          fail(err as Error);
        }
        return true;
      };
      const socket = net.connect({ host: url.hostname, port: Number(url.port || 1883), onread: { buffer: readBuffer, callback: onData } });

      const fail = (err: Error): void => {
        closeError ??= err;
        socket.destroy();
      };
      const timer = setTimeout(() => fail(new Error(`no CONNACK within ${o.connectTimeoutMs} ms`)), o.connectTimeoutMs);

      const client: RawMqttClient = {
        publish(t: RawTopic, payload: string | Buffer, onAck: AckCallback): void {
          if (closed || ending) throw new Error('publish on a closed MQTT connection');
          if (inFlight.size >= 65_535) throw new Error('65 535 publishes in flight: no packet id left');
          do nextId = nextId === 65_535 ? 1 : nextId + 1;
          while (inFlight.has(nextId));
          const payloadLength = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
          const remaining = t.bytes.length + 2 + payloadLength;
          if (remaining > MAX_REMAINING) throw new RangeError(`publish of ${remaining} bytes exceeds MQTT's limit`);
          const buf = Buffer.allocUnsafe(1 + varintLength(remaining) + remaining);
          buf[0] = PUBLISH_QOS1;
          let at = writeVarint(buf, 1, remaining);
          at += t.bytes.copy(buf, at);
          buf[at++] = nextId >> 8;
          buf[at++] = nextId & 0xff;
          if (typeof payload === 'string') buf.write(payload, at, 'utf8');
          else payload.copy(buf, at);
          inFlight.set(nextId, onAck);
          sentSinceTick = true;
          socket.write(buf);
        },
        get inFlight() {
          return inFlight.size;
        },
        get pingsAnswered() {
          return pingsAnswered;
        },
        get chunksReceived() {
          return chunksReceived;
        },
        onClose(handler) {
          closeHandler = handler;
        },
        end() {
          return new Promise<void>((done) => {
            if (closed) return done();
            socket.once('close', () => done());
            ending = true;
            socket.end(DISCONNECT_BYTES);
          });
        },
      };

      parser = packetParser((header, body) => {
        const type = header >> 4;
        if (type === PUBACK && connected) {
          if (body.length !== 2) return fail(new Error(`malformed PUBACK of ${body.length} bytes`));
          const id = (body[0]! << 8) | body[1]!;
          const done = inFlight.get(id);
          if (!done) return fail(new Error(`PUBACK for packet id ${id}, which is not in flight`));
          inFlight.delete(id);
          done(null);
        } else if (type === CONNACK && !connected) {
          clearTimeout(timer);
          const code = body[1]!;
          if (body.length !== 2 || code !== 0) return fail(body.length !== 2 ? new Error(`malformed CONNACK of ${body.length} bytes`) : refused(code));
          connected = true;
          if (keepaliveMs > 0) {
            // §3.1.2.10: a packet at least every keepalive; a check every half of it sends a PINGREQ
            // when nothing else went out, and gives up when the last one stayed unanswered a whole keepalive.
            keepTimer = setInterval(() => {
              if (pingSentAt > 0 && Date.now() - pingSentAt >= keepaliveMs) return fail(new Error(`no PINGRESP within the keepalive (${o.keepaliveS} s)`));
              if (!sentSinceTick && pingSentAt === 0) {
                pingSentAt = Date.now();
                socket.write(PINGREQ_BYTES);
              }
              sentSinceTick = false;
            }, keepaliveMs / 2);
            keepTimer.unref();
          }
          resolve(client);
        } else if (type === PINGRESP && connected) {
          pingSentAt = 0;
          pingsAnswered++;
        } else {
          fail(new Error(`unexpected MQTT packet type ${type} (${connected ? 'connected' : 'before CONNACK'}): this client never subscribes`));
        }
      });

      socket.on('connect', () => socket.write(connectBytes));
      socket.on('error', (err) => (closeError ??= err));
      socket.on('close', () => {
        closed = true;
        clearTimeout(timer);
        if (keepTimer) clearInterval(keepTimer);
        if (!connected) return reject(closeError ?? new Error(`${url.host} closed the connection before CONNACK`));
        const unacked = inFlight.size;
        const why = ending && unacked === 0 ? null : new Error(`MQTT connection of ${o.clientId} closed with ${unacked} publishes unacknowledged${closeError ? `: ${closeError.message}` : ''}`, closeError ? { cause: closeError } : undefined);
        const callbacks = [...inFlight.values()];
        inFlight.clear();
        for (const done of callbacks) done(why ?? new Error('connection ended'));
        closeHandler?.(why);
      });
    });
  }

  return { connect, topic, packetParser };
}
