// A raw TCP client for tests that must send what no MQTT library would: a PUBLISH header that
// announces 256 MiB, a malformed remaining length (broker/src/packet-limit.ts).

import { connect, type Socket } from 'node:net';

/** MQTT 3.1.1 §2.2.3 remaining-length encoding. */
export function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

const str = (s: string): Buffer => Buffer.concat([Buffer.from([s.length >> 8, s.length & 0xff]), Buffer.from(s)]);

/** MQTT 3.1.1 CONNECT with username, password and a clean session. */
export function connectPacket(clientId: string, username: string, password: string): Buffer {
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, 0, 60]), str(clientId), str(username), str(password)]);
  return Buffer.concat([Buffer.from([0x10, ...varint(body.length)]), body]);
}

/** The fixed header of a QoS1 PUBLISH announcing the largest remaining length MQTT can encode (256 MiB − 1). */
export const HUGE_PUBLISH_HEADER = Buffer.from([0x32, ...varint(268_435_455)]);

export interface FloodOutcome {
  /** From the header written to the socket closing; Infinity when it stayed open 5 s after the flood. */
  readonly closedAfterMs: number;
  /** Body bytes the kernel took before the cut. */
  readonly sent: number;
  /** The broker accepted the login (when one was sent). */
  readonly connack: boolean;
}

/**
 * Connects, optionally logs in, writes `header` and then zeros until the broker cuts the socket
 * or `maxBytes` went out. Paced by the write callbacks, so this side's own buffers stay small.
 */
export async function floodAfterHeader(port: number, header: Buffer, opts: { login?: { clientId: string; username: string; password: string }; maxBytes: number }): Promise<FloodOutcome> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
  let closed = false;
  const closedP = new Promise<void>((resolve) => socket.once('close', () => ((closed = true), resolve())));
  let connack = false;
  if (opts.login) {
    const { clientId, username, password } = opts.login;
    const got = new Promise<void>((resolve) => socket.once('data', (d: Buffer) => ((connack = d[0] === 0x20 && d[3] === 0), resolve())));
    socket.write(connectPacket(clientId, username, password));
    await got;
  }
  const started = Date.now();
  const zeros = Buffer.alloc(64 * 1024);
  let sent = 0;
  await new Promise<void>((resolve) => socket.write(header, () => resolve()));
  while (!closed && sent < opts.maxBytes) {
    const err = await new Promise<Error | null | undefined>((resolve) => socket.write(zeros, (e) => resolve(e)));
    // Written into a socket the broker already destroyed: the cut.
    if (err) break;
    sent += zeros.length;
  }
  await Promise.race([closedP, new Promise((r) => setTimeout(r, 5000))]);
  const closedAfterMs = closed ? Date.now() - started : Infinity;
  socket.destroy();
  return { closedAfterMs, sent, connack };
}
