// Drops QoS1 duplicates by (device, seq) and tells a rebooted device (seq restarted) from a resend.
// A resend repeats the original payload, so its ts is never newer than what we already took; a
// lower seq with a newer ts is a device whose counter restarted. Pure data, no I/O.

/** How many seqs below the newest one are remembered exactly (late, out-of-order arrivals). */
export const WINDOW = 256;
const WORDS = WINDOW / 32;

interface DeviceSeqState {
  last: number;
  lastTsMs: number;
  /** Bit i set: seq (last - i) was taken. */
  seen: Uint32Array;
  /** Seqs skipped and not (yet) arrived late: messages the device sent that never reached us. */
  missing: number;
}

export type SeqVerdict = 'new' | 'restart' | 'late' | 'duplicate';

export class SeqDedup {
  private readonly devices = new Map<string, DeviceSeqState>();

  /** Starts a device from its committed cursor: everything at or below `last` counts as taken. */
  seed(key: string, last: number, lastTsMs: number): void {
    this.devices.set(key, { last, lastTsMs, seen: new Uint32Array(WORDS).fill(0xffffffff), missing: 0 });
  }

  forget(key: string): void {
    this.devices.delete(key);
  }

  clear(): void {
    this.devices.clear();
  }

  /** Seqs the device skipped that have not arrived since (a `seq` gap, counted per device). */
  missing(key: string): number {
    return this.devices.get(key)?.missing ?? 0;
  }

  get size(): number {
    return this.devices.size;
  }

  /** Records the seq when it is not a duplicate and says which case it was. */
  check(key: string, seq: number, tsMs: number): SeqVerdict {
    const state = this.devices.get(key);
    if (state === undefined) {
      const seen = new Uint32Array(WORDS);
      seen[0] = 1;
      this.devices.set(key, { last: seq, lastTsMs: tsMs, seen, missing: 0 });
      return 'new';
    }
    if (seq > state.last) {
      state.missing += seq - state.last - 1;
      shiftLeft(state.seen, seq - state.last);
      state.seen[0]! |= 1;
      state.last = seq;
      if (tsMs > state.lastTsMs) state.lastTsMs = tsMs;
      return 'new';
    }
    if (tsMs > state.lastTsMs) {
      // Lower or equal seq but newer time: the device restarted its counter.
      state.seen.fill(0);
      state.seen[0] = 1;
      state.last = seq;
      state.lastTsMs = tsMs;
      return 'restart';
    }
    const distance = state.last - seq;
    if (distance >= WINDOW) return 'duplicate';
    const word = distance >>> 5;
    const bit = 1 << (distance & 31);
    if ((state.seen[word]! & bit) !== 0) return 'duplicate';
    state.seen[word]! |= bit;
    if (state.missing > 0) state.missing--;
    return 'late';
  }
}

/** Shifts the bitmap towards older seqs by n places (bit i → bit i + n). */
function shiftLeft(bits: Uint32Array, n: number): void {
  if (n >= WINDOW) {
    bits.fill(0);
    return;
  }
  const words = n >>> 5;
  const rest = n & 31;
  for (let i = bits.length - 1; i >= 0; i--) {
    const from = i - words;
    const hi = from >= 0 ? bits[from]! : 0;
    const lo = from - 1 >= 0 ? bits[from - 1]! : 0;
    bits[i] = rest === 0 ? hi : ((hi << rest) | (lo >>> (32 - rest))) >>> 0;
  }
}
