// Bounds on the API's HTTP server, so idle or slow sockets cannot hold the gateway's descriptors:
// time for every phase of a request, a cap on connections in all and per client address, and the
// accept errors (EMFILE) said in the log. Without them 2 248 sockets that sent nothing held every
// descriptor for as long as the client liked, and the MQTT side could no longer take a device.

import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

export interface ServerBounds {
  /** A socket silent this long in both directions is closed (the live stream pings more often). */
  readonly idleTimeoutMs: number;
  /** Whole request headers must arrive within this (slowloris sends one byte a second). */
  readonly headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this; the answer may take longer,
   * so the live stream, whose request is a bodiless GET, is not cut by it. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
  /** Per client address; trusted proxies (all clients behind one address) are exempt. */
  readonly maxConnectionsPerAddress: number;
}

/** The part of fastify's options that bounds time (fastify hands `http` to http.createServer). */
export function timeoutOptions(b: ServerBounds): {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: { headersTimeout: number; connectionsCheckingInterval: number };
} {
  return {
    connectionTimeout: b.idleTimeoutMs,
    keepAliveTimeout: b.keepAliveTimeoutMs,
    requestTimeout: b.requestTimeoutMs,
    // Node checks headers and request timeouts on this interval (30 s by default): a 10 s headers
    // timeout would otherwise cut a slowloris socket only after up to 40 s.
    http: { headersTimeout: b.headersTimeoutMs, connectionsCheckingInterval: Math.max(250, Math.min(1000, Math.floor(b.headersTimeoutMs / 4))) },
  };
}

export interface ConnectionStats {
  readonly open: number;
  readonly refusedPerAddress: number;
  readonly acceptErrors: number;
}

/**
 * Caps connections on `server` (Node closes a connection past maxConnections as soon as it is
 * accepted) and per address, and reports accept errors: an EMFILE there means the process is out
 * of descriptors, which `onAcceptError` turns into a gateway alarm.
 */
export function boundConnections(
  server: Server,
  b: ServerBounds,
  isTrustedProxy: (address: string) => boolean,
  log: Logger,
  onAcceptError: (err: NodeJS.ErrnoException) => void,
): () => ConnectionStats {
  server.maxConnections = b.maxConnections;
  const perAddress = new Map<string, number>();
  let open = 0;
  let refusedPerAddress = 0;
  let acceptErrors = 0;
  const waitingForRequest = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('request', (request: IncomingMessage) => {
    const silent = waitingForRequest.get(request.socket);
    if (silent === undefined) return;
    clearTimeout(silent);
    waitingForRequest.delete(request.socket);
  });
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (perAddress.get(address) ?? 0) + 1;
    if (count > b.maxConnectionsPerAddress && !isTrustedProxy(address)) {
      refusedPerAddress++;
      // Said once per hundred: a flood would otherwise write a log line per socket.
      if (refusedPerAddress % 100 === 1) log.warn({ address, max: b.maxConnectionsPerAddress, refusedPerAddress }, 'api connection refused: too many from this address');
      socket.destroy();
      return;
    }
    perAddress.set(address, count);
    open++;
    // Node's headersTimeout counts from a request's first byte, and its socket timeout was seen
    // not to fire on an http socket that never sent one (Node 24, with headersTimeout set): a
    // socket with no request within the headers timeout is closed here.
    const silent = setTimeout(() => socket.destroy(), b.headersTimeoutMs);
    silent.unref();
    waitingForRequest.set(socket, silent);
    socket.once('close', () => clearTimeout(silent));
    socket.once('close', () => {
      open--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
  // Once listening, the server's errors are accept errors (before, listen's own, which fastify
  // reports); with no listener an 'error' event would end the gateway.
  server.once('listening', () =>
    server.on('error', (err: NodeJS.ErrnoException) => {
      acceptErrors++;
      log.error({ err, code: err.code, open, acceptErrors }, 'api server could not accept a connection');
      onAcceptError(err);
    }),
  );
  return () => ({ open, refusedPerAddress, acceptErrors });
}
