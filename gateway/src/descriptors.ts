// The process's file descriptors: its limit and how many are open (Linux /proc; null elsewhere).
// Every socket is one: the API's HTTP connections must leave enough for MQTT devices, SQLite files
// and notification webhooks, and running out is a gateway alarm, not a silent refusal.

import { readdirSync, readFileSync } from 'node:fs';

/** The soft RLIMIT_NOFILE (Node raises it to the hard limit at start), or null when unknown. */
export function descriptorLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const n = Number(soft);
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    // Not Linux: no bound is derived and the configured numbers stand.
    return null;
  }
}

/** Open descriptors now; Infinity when even this count found none free (EMFILE), null when unknown. */
export function openDescriptors(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EMFILE' || code === 'ENFILE' ? Infinity : null;
  }
}

/** The API's share: at most half the descriptors, so a flood of HTTP sockets leaves MQTT the rest. */
export function apiConnectionBound(configured: number, limit: number | null): number {
  return limit === null ? configured : Math.max(16, Math.min(configured, Math.floor(limit / 2)));
}

/**
 * Watches the open descriptors: `onLow(open, limit)` once they pass `raiseAt` of the limit (or an
 * accept failed with EMFILE), `onRecovered` once they are back under `clearAt`.
 */
export class DescriptorWatch {
  private low = false;

  constructor(
    private readonly limit: number | null,
    private readonly onLow: (open: number, limit: number) => void,
    private readonly onRecovered: (open: number) => void,
    private readonly count: () => number | null = openDescriptors,
    private readonly raiseAt = 0.9,
    private readonly clearAt = 0.75,
  ) {}

  /** An accept failed for want of descriptors (EMFILE/ENFILE): low whatever the count says. */
  exhausted(): void {
    const counted = this.count();
    const open = counted === null || counted === Infinity ? (this.limit ?? 0) : counted;
    if (!this.low) {
      this.low = true;
      this.onLow(open, this.limit ?? open);
    }
  }

  check(): void {
    if (this.limit === null) return;
    const open = this.count();
    if (open === null) return;
    if (!this.low && open >= this.raiseAt * this.limit) {
      this.low = true;
      this.onLow(Math.min(open, this.limit), this.limit);
    } else if (this.low && open < this.clearAt * this.limit) {
      this.low = false;
      this.onRecovered(open);
    }
  }
}
