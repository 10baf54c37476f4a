// The embedded broker's MQTT-over-TLS listener (port 8883): a TLS handshake in front of the same
// connection handler as the plain listener, so the packet-size guard and every aedes hook apply
// to TLS clients unchanged. Certificates are re-read by `reload` (SIGHUP) or when the files
// change, without dropping connections.

import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { createServer, TLSSocket, type SecureVersion, type Server } from 'node:tls';
import type { Logger } from 'pino';
import { loadTlsContext, type ServedCertificate, type TlsFiles, type TlsLoad, type TlsProblem } from './tls-context.js';

export interface TlsListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly files: TlsFiles;
  /** RFC 8996 retired TLS 1.0 and 1.1; 1.2 is what 4G modules (Quectel, SIMCom) speak. */
  readonly minVersion: SecureVersion;
  /** With files.caFile: refuse the handshake of a client without a certificate signed by it. */
  readonly requireClientCert: boolean;
  /** A client that has not finished its handshake by then is cut (slow or half-open connections hold a socket each). */
  readonly handshakeTimeoutMs: number;
  /** How often the files' size and mtime are checked to reload them on a change; 0: only `reload`. */
  readonly watchIntervalMs?: number;
  readonly log: Logger;
  /** Called with each connection once its handshake is done (and its client certificate, if any, verified). */
  readonly onConnection: (socket: TLSSocket) => void;
}

export interface TlsListener {
  /** The port actually bound (0 asks for a free one). */
  readonly port: number;
  /** The certificate served to new connections. */
  served(): ServedCertificate;
  /** Re-reads the files; on a problem the previous certificate stays served. Open connections are untouched. */
  reload(): TlsLoad;
  /** handshakeFailures: handshakes that did not complete (no CA, plain MQTT on this port, a timeout);
   * certificatesRefused: client certificates that did not verify against caFile. */
  stats(): { readonly handshakeFailures: number; readonly certificatesRefused: number };
  close(): Promise<void>;
}

/** The TLS files cannot be served; `problems` name the field (certFile, keyFile, caFile) and the fix. */
export class TlsFilesError extends Error {
  constructor(readonly problems: readonly TlsProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.name = 'TlsFilesError';
  }
}

/** One summary line of failed handshakes at most this often: a scanner or a misconfigured fleet must not flood the log. */
const FAILURE_LOG_EVERY_MS = 60_000;
const EXPIRY_WARNING_MS = 30 * 24 * 3600_000;

/**
 * The MQTT username a verified client certificate vouches for: its subject CN (`site/device` for
 * a device), or undefined when the connection is not TLS or carries no verified certificate.
 */
export function certifiedUsername(conn: unknown): string | undefined {
  if (!(conn instanceof TLSSocket) || !conn.authorized) return undefined;
  const cn: unknown = conn.getPeerCertificate().subject?.CN;
  // Several CNs arrive as an array: which one names the device would be a guess.
  return typeof cn === 'string' && cn.length > 0 ? cn : undefined;
}

export async function startTlsListener(o: TlsListenerOptions): Promise<TlsListener> {
  const log = o.log;
  const first = loadTlsContext(o.files, o.minVersion);
  if (!first.ok) throw new TlsFilesError(first.problems);
  let served = first.served;
  logServed(log, served, 'mqtt tls certificate loaded');
  const askForCert = o.files.caFile !== undefined;
  let handshakeFailures = 0;
  let certificatesRefused = 0;
  let unloggedFailures = 0;
  let lastFailureLogAt = 0;

  const server: Server = createServer(
    { ...first.options, requestCert: askForCert, rejectUnauthorized: askForCert && o.requireClientCert, handshakeTimeout: o.handshakeTimeoutMs },
    (socket) => {
      // With an optional client certificate the handshake completes even when one fails to verify:
      // a device presenting a bad certificate is cut here rather than let in on a password.
      if (askForCert && !socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0) {
        certificatesRefused++;
        log.warn({ address: socket.remoteAddress, reason: String(socket.authorizationError), certificatesRefused }, 'mqtt tls client certificate refused');
        socket.on('error', () => undefined); // a reset while closing is expected; aedes never owned this socket
        socket.destroy();
        return;
      }
      o.onConnection(socket);
    },
  );
  server.on('tlsClientError', (err, socket) => {
    // With a listener here Node leaves the socket open: a handshake timeout would otherwise only
    // be counted while the silent connection keeps its socket for ever.
    socket.destroy();
    handshakeFailures++;
    unloggedFailures++;
    const now = Date.now();
    if (now - lastFailureLogAt < FAILURE_LOG_EVERY_MS) return;
    lastFailureLogAt = now;
    log.warn({ address: socket.remoteAddress, err: err.message, since: unloggedFailures, handshakeFailures }, 'mqtt tls handshake failed (the next ones are counted, logged once a minute)');
    unloggedFailures = 0;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;

  const reload = (): TlsLoad => {
    const next = loadTlsContext(o.files, o.minVersion);
    if (!next.ok) {
      log.error({ problems: next.problems.map((p) => `${p.field}: ${p.message}`), still: served.fingerprint256 }, 'mqtt tls certificate reload refused: still serving the previous certificate');
      return next;
    }
    // New handshakes get the new context; connections already up keep theirs.
    server.setSecureContext(next.options);
    served = next.served;
    logServed(log, served, 'mqtt tls certificate reloaded');
    return next;
  };
  const stopWatching = o.watchIntervalMs ? watchFiles(o.files, o.watchIntervalMs, reload) : () => {};

  return {
    port,
    served: () => served,
    reload,
    stats: () => ({ handshakeFailures, certificatesRefused }),
    close: () => {
      stopWatching();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Polls the files (stat, which follows the symlinks cert-manager and certbot swap) and calls
 * `reload` once they stopped changing for one interval: a certificate written before its key
 * is not loaded half-way. Returns the stop function.
 */
function watchFiles(files: TlsFiles, intervalMs: number, reload: () => unknown): () => void {
  const paths = [files.certFile, files.keyFile, ...(files.caFile !== undefined ? [files.caFile] : [])];
  let timer: NodeJS.Timeout | undefined;
  const changed = (now: Stats, before: Stats): void => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
    clearTimeout(timer);
    timer = setTimeout(reload, intervalMs);
    timer.unref();
  };
  for (const path of paths) watchFile(path, { interval: intervalMs, persistent: false }, changed);
  return () => {
    clearTimeout(timer);
    for (const path of paths) unwatchFile(path, changed);
  };
}

function logServed(log: Logger, served: ServedCertificate, msg: string): void {
  const fields = { subject: served.subject, subjectAltName: served.subjectAltName, validTo: served.validTo.toISOString(), fingerprint256: served.fingerprint256, clientCas: served.clientCas };
  const left = served.validTo.getTime() - Date.now();
  // Started anyway: devices that cannot check dates still connect, and a gateway that refuses to
  // start would take the plain listener, the API and every alarm down with it.
  if (left <= 0) log.error(fields, `${msg}: EXPIRED, devices that check dates cannot connect; replace certFile and send SIGHUP`);
  else if (left < EXPIRY_WARNING_MS) log.warn({ ...fields, daysLeft: Math.floor(left / 86_400_000) }, `${msg}: expires within 30 days; replace certFile and send SIGHUP`);
  else log.info(fields, msg);
}
