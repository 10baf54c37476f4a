// Keeps the API's sockets bounded so that idle or slow clients cannot use up the process's file
// descriptors, which the MQTT listener (devices, valves) shares: at the cap, the oldest connection
// with no request in flight is closed to make room, so /healthz and an officer still get in while
// a flood of idle sockets is held open. The per-phase time limits are set on the server by app.ts.

import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../../gateway/src/log.js';

/** The soft RLIMIT_NOFILE of this process (Linux /proc), or null where it cannot be read. */
export function openFileLimit(limitsText?: string): number | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null; // not Linux: the configured cap alone applies
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (!m || m[1] === 'unlimited') return null;
  return Number(m[1]);
}

/**
 * The API's connection cap: the configured one, but at most a quarter of the descriptors the
 * process may open, so the broker keeps three quarters for devices whatever the config says.
 */
export function effectiveMaxConnections(configured: number, fileLimit: number | null): number {
  if (fileLimit === null) return configured;
  return Math.max(16, Math.min(configured, Math.floor(fileLimit / 4)));
}

export interface ConnectionGuard {
  /** Connections open now, and how many were closed to make room since start. */
  stats(): { open: number; max: number; shed: number };
}

/** How often a shedding flood is logged (one line with counts, not one per socket). */
const LOG_EVERY_MS = 10_000;

export function guardConnections(server: Server, maxConnections: number, log: Logger, clock: () => number = Date.now): ConnectionGuard {
  // Insertion order is age order: the first idle entry is the oldest idle socket.
  const busy = new Map<Socket, number>();
  let shed = 0;
  let shedSinceLog = 0;
  let lastLogMs = -Infinity;
  let pending: NodeJS.Timeout | null = null;

  const report = (): void => {
    pending = null;
    if (shedSinceLog === 0) return;
    lastLogMs = clock();
    log.warn({ open: busy.size, max: maxConnections, shed: shedSinceLog, shedTotal: shed }, 'api connection cap reached: oldest idle connections closed to make room');
    shedSinceLog = 0;
  };
  // The first shed is said at once; the rest of a flood as one line with its count per window.
  const say = (): void => {
    if (pending) return;
    const wait = lastLogMs + LOG_EVERY_MS - clock();
    if (wait <= 0) report();
    else pending = setTimeout(report, wait).unref();
  };
  server.once('close', () => {
    if (pending) clearTimeout(pending);
    report();
  });

  server.on('connection', (socket: Socket) => {
    if (busy.size >= maxConnections) {
      let victim: Socket | undefined;
      for (const [s, requests] of busy) {
        if (requests === 0) {
          victim = s;
          break;
        }
      }
      // Every connection busy (a thousand live streams): the newcomer waits its turn instead.
      const closing = victim ?? socket;
      busy.delete(closing);
      closing.destroy();
      shed++;
      shedSinceLog++;
      say();
      if (closing === socket) return;
    }
    busy.set(socket, 0);
    socket.once('close', () => busy.delete(socket));
  });

  server.on('request', (req, res) => {
    const socket = req.socket;
    if (!busy.has(socket)) return;
    busy.set(socket, busy.get(socket)! + 1);
    res.once('close', () => {
      const n = busy.get(socket);
      if (n !== undefined) busy.set(socket, Math.max(0, n - 1));
    });
  });

  return { stats: () => ({ open: busy.size, max: maxConnections, shed }) };
}
