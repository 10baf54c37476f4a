// The dead-letter message: what was rejected, why, and the original bytes, so ops can see and
// replay it. Rejected messages also stay in the journal's dead_letter table.

import type { DeviceRef } from '../contract/ids.js';
import type { Topics } from '../contract/topics.js';

export interface DeadLetter {
  readonly topic: string;
  readonly payload: Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function makeDeadLetter(
  topics: Topics,
  ref: DeviceRef,
  original: { topic: string; payload: Buffer; receivedMs: number },
  reason: string,
  detail: string,
): DeadLetter {
  let text: string | undefined;
  try {
    text = utf8.decode(original.payload);
  } catch {
    text = undefined;
  }
  const body = {
    reason,
    detail,
    topic: original.topic,
    receivedAt: new Date(original.receivedMs).toISOString(),
    ...(text !== undefined ? { payload: text } : { payloadBase64: original.payload.toString('base64') }),
  };
  return { topic: topics.deadletter(ref), payload: Buffer.from(JSON.stringify(body)) };
}

/** Logs the first rejection of each device and reason, then at 10, 100, 1000…: bounded noise. */
export class RejectionCounter {
  private readonly counts = new Map<string, number>();
  readonly byReason = new Map<string, number>();

  count(ref: DeviceRef, reason: string): { total: number; shouldLog: boolean } {
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    const key = `${ref.site}/${ref.device}/${reason}`;
    const total = (this.counts.get(key) ?? 0) + 1;
    if (this.counts.size < 100_000 || this.counts.has(key)) this.counts.set(key, total);
    return { total, shouldLog: total === 1 || isPowerOfTen(total) };
  }
}

function isPowerOfTen(n: number): boolean {
  while (n >= 10 && n % 10 === 0) n /= 10;
  return n === 1;
}
