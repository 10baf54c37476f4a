// Sends a batch of lines and finds exactly which lines InfluxDB refuses: a 4xx batch is split in
// halves and each half sent again, down to single lines. Resending the accepted part is harmless,
// because a point with the same series and timestamp overwrites itself. A retryable error anywhere
// aborts the whole batch (the caller retries it later from the journal).

import { InfluxRejected } from './errors.js';
import type { InfluxWriter } from './writer.js';

export interface Refused {
  readonly index: number;
  readonly reason: string;
  readonly status: number;
}

export interface ShipResult {
  readonly refused: Refused[];
  readonly requests: number;
}

export async function ship(writer: InfluxWriter, lines: readonly string[]): Promise<ShipResult> {
  const refused: Refused[] = [];
  let requests = 0;
  async function send(from: number, to: number): Promise<void> {
    requests++;
    try {
      await writer.write(from === 0 && to === lines.length ? lines : lines.slice(from, to));
    } catch (err) {
      if (!(err instanceof InfluxRejected)) throw err;
      if (to - from === 1) {
        refused.push({ index: from, reason: err.message, status: err.status });
        return;
      }
      const mid = from + Math.ceil((to - from) / 2);
      await send(from, mid);
      await send(mid, to);
    }
  }
  if (lines.length > 0) await send(0, lines.length);
  return { refused, requests };
}
