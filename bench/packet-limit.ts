// Benchmark of the packet-size guard (broker/src/packet-limit.ts) that runs on every chunk every
// MQTT connection sends: cost per 120-byte telemetry PUBLISH, fed one packet per chunk (the worst
// case: each publish its own TCP read) and in 64 KiB reads, and the share of one core at 20 000 msg/s.
// Run: npm run build && node dist/bench/packet-limit.js [--packets N --out FILE]

import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_PACKET_BYTES, PacketLimit } from '../broker/src/packet-limit.js';
import { machineInfo, writeResult } from './results.js';

const RATE_MSG_PER_S = 20_000; // the ingest target (the top of bench/README.md's ladder)
const PACKET_BYTES = 120;

/** A QoS1 PUBLISH of a typical reading, padded to 120 bytes in all. */
function typicalPublish(): Buffer {
  const topic = Buffer.from('shaobing/kitchen-01/gas-01/telemetry');
  const fixed = 2; // type byte + one length byte (remaining length < 128)
  const payloadBytes = PACKET_BYTES - fixed - 2 - topic.length - 2;
  const payload = Buffer.from(JSON.stringify({ ts: 1_767_225_600_000, seq: 1, readings: { ch4: 3.1, co: 2 } }).padEnd(payloadBytes, ' '));
  const body = Buffer.concat([Buffer.from([0, topic.length]), topic, Buffer.from([0, 1]), payload]);
  return Buffer.concat([Buffer.from([0x32, body.length]), body]);
}

function timeFeed(chunks: Buffer[], rounds: number): { ns: number; cut: boolean } {
  const limit = new PacketLimit(DEFAULT_MAX_PACKET_BYTES);
  let cut = false;
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const c of chunks) if (limit.feed(c) !== null) cut = true;
  return { ns: Number(process.hrtime.bigint() - start), cut };
}

export async function runPacketLimitBench(opts: { packets?: number; outFile?: string | null } = {}): Promise<Record<string, number | string>> {
  const packets = opts.packets ?? 2_000_000;
  const one = typicalPublish();
  if (one.length !== PACKET_BYTES) throw new Error(`publish is ${one.length} bytes, expected ${PACKET_BYTES}`);
  // One packet per chunk: the same Buffer fed again and again (the guard never copies).
  const perPacket = [one];
  // 64 KiB socket reads holding many packets, the last one split across reads.
  const stream = Buffer.concat(Array.from({ length: 4096 }, () => one));
  const reads: Buffer[] = [];
  for (let i = 0; i < stream.length; i += 65_536) reads.push(stream.subarray(i, i + 65_536));
  timeFeed(perPacket, 200_000); // warm the JIT
  timeFeed(reads, 50);
  const a = timeFeed(perPacket, packets);
  const streamRounds = Math.max(1, Math.round(packets / 4096));
  const b = timeFeed(reads, streamRounds);
  if (a.cut || b.cut) throw new Error('a valid stream was cut');
  const nsPerPacketChunked = a.ns / packets;
  const nsPerPacketStream = b.ns / (streamRounds * 4096);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const result: Record<string, number | string> = {
    ns_per_packet_one_per_chunk: r3(nsPerPacketChunked),
    ns_per_packet_64k_reads: r3(nsPerPacketStream),
    // Share of one core the guard takes at the target rate, worst case (one packet per chunk).
    core_share_at_20k_msg_s_pct: r3((nsPerPacketChunked * RATE_MSG_PER_S) / 1e9 * 100),
    packets,
    packet_bytes: PACKET_BYTES,
    max_packet_bytes: DEFAULT_MAX_PACKET_BYTES,
    machine: machineInfo().machine,
    load_avg_1m: r3(loadavg()[0] ?? NaN),
    at: new Date().toISOString(),
  };
  writeResult(opts.outFile, 'bench/results/packet-limit.json', result);
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { packets: { type: 'string' }, out: { type: 'string' } } });
  const result = await runPacketLimitBench({
    ...(values.packets !== undefined ? { packets: Number(values.packets) } : {}),
    ...(values.out !== undefined ? { outFile: values.out } : {}),
  });
  console.log(JSON.stringify(result, null, 2));
}
