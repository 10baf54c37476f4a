// The embedded MQTT broker: aedes on a TCP port, a TLS port (tls-listener.ts) or both, with
// Shaobing's authentication and ACL hooks.
// Telemetry is handed to `onTelemetry` inside authorizePublish, the one hook that holds back the
// PUBACK (aedes 1.2, measured: 502 ms for a 500 ms callback), so an acknowledgement can mean "on disk".

import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import type { Topics } from '../../gateway/src/contract/topics.js';
import type { DeviceRef } from '../../gateway/src/contract/ids.js';
import type { Authenticator, Identity } from './auth.js';
import { canPublish, canSubscribe } from './acl.js';
import { DEFAULT_MAX_PACKET_BYTES, PacketLimit, type PacketLimitViolation } from './packet-limit.js';
import { UrgentForwarder } from './urgent-forward.js';
import { ClientIdOwners, identityName } from './client-id-owner.js';
import { certifiedUsername, startTlsListener, type TlsListener, type TlsListenerOptions } from './tls-listener.js';
import { certificateLogin } from './cert-login.js';
import { LiveClients, usernameOf } from './live-clients.js';

export interface TelemetryOutcome {
  /** Reroute the packet here instead of forwarding it (a dead letter for a malformed payload). */
  readonly reroute?: { readonly topic: string; readonly payload: Buffer };
}

export type TelemetryHook = (
  ref: DeviceRef,
  topic: string,
  payload: Buffer,
  done: (err: Error | null, outcome?: TelemetryOutcome) => void,
) => void;

export interface BrokerOptions {
  readonly host: string;
  readonly port: number;
  readonly topics: Topics;
  readonly authenticator: Authenticator;
  readonly log: Logger;
  readonly drainTimeoutMs: number;
  readonly onTelemetry: TelemetryHook;
  /** Largest MQTT packet a client may send (packet-limit.ts); a larger one cuts the connection at its header. */
  readonly maxPacketBytes?: number;
  /** MQTT over TLS on its own port (tls-listener.ts); the same hooks and packet guard apply. */
  readonly tls?: Omit<TlsListenerOptions, 'onConnection' | 'log'>;
  /** Whether the plain TCP listener on `port` runs; default true. */
  readonly plain?: boolean;
}

export interface Broker {
  readonly aedes: Aedes;
  /** The plain TCP port actually bound (useful when 0 was asked for); null when it is off. */
  readonly port: number | null;
  /** The TLS listener, null without `tls`. */
  readonly tls: TlsListener | null;
  identityOf(client: Client): Identity | undefined;
  /** oversizeCuts: connections cut because a packet header announced more than maxPacketBytes (or
   * was malformed); urgentWrites: gateway commands written to their actuator at once;
   * takeoversRefused: CONNECTs refused because another identity holds the client id live;
   * logins: the authenticator's counters (scrypt runs, remembered digests). */
  stats(): { readonly oversizeCuts: number; readonly urgentWrites: number; readonly takeoversRefused: number; readonly logins: ReturnType<Authenticator['stats']> };
  /**
   * Writes a gateway command to its clean-session actuators at once (urgent-forward.ts); an
   * aedes.publish of the same packet (same payload Buffer) afterwards skips them. Returns how many.
   */
  sendNow(packet: { readonly topic: string; readonly payload: Buffer; readonly qos: 0 | 1; readonly retain: boolean }): number;
  /**
   * Closes the live connections of these accounts at once (removed from the fleet or given a new
   * credential: Authenticator.applySites names them); returns how many were open. A reconnect
   * then meets the authenticator's current accounts.
   */
  disconnect(usernames: Iterable<string>): number;
  close(): Promise<void>;
}

type AuthError = Error & { returnCode: number };

/** Refusals held back at once at most (each holds its socket open while it waits). */
const MAX_HELD_REFUSALS = 1_000;

export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const { topics, authenticator, log } = options;
  const identities = new WeakMap<Client, Identity>();
  const owners = new ClientIdOwners();
  const live = new LiveClients<Client>();
  let heldRefusals = 0;
  let takeoversRefused = 0;

  const aedes = await Aedes.createBroker({
    drainTimeout: options.drainTimeoutMs,
    authenticate(client, username, password, done) {
      // The source address feeds the failed-login limit (login-limit.ts).
      const address = (client.conn as { remoteAddress?: string } | undefined)?.remoteAddress;
      // A client certificate verified against the device CA is the login: no password (cert-login.ts).
      const certified = certifiedUsername(client.conn);
      const login = certified === undefined ? authenticator.authenticate(username, password, address, client.id) : Promise.resolve(certificateLogin(certified, username, authenticator));
      login.then(
        (result) => {
          if (result.ok) {
            const claim = owners.claim(client.id, { identity: result.identity, client });
            if (!claim.ok) {
              takeoversRefused++;
              log.warn(
                { clientId: client.id, address, holder: identityName(claim.holder), refused: identityName(result.identity), takeoversRefused },
                'mqtt connection refused: client id held by another identity',
              );
              // 2 "identifier rejected": the live session stays, the newcomer must pick another id.
              const err = new Error('client id in use by another identity') as AuthError;
              err.returnCode = 2;
              done(err, null);
              return;
            }
            identities.set(client, result.identity);
            // A client that left while its password was checked has no connection to cut later.
            if (!client.closed) live.add(usernameOf(result.identity), client);
            done(null, true);
            return;
          }
          const err = new Error(`connection refused: ${result.reason}`) as AuthError;
          // 5 not authorised, 4 bad username or password; 3 server unavailable tells a rate-limited
          // client to come back later (MQTT 3.1.1 has no "too many attempts" code).
          err.returnCode = result.reason === 'anonymous' ? 5 : result.reason === 'rate_limited' ? 3 : 4;
          // A guesser past its allowance waits for its answer (login-throttle.ts). Held refusals
          // keep a socket each: past MAX_HELD_REFUSALS the rest are answered at once.
          const holdMs = heldRefusals < MAX_HELD_REFUSALS ? (result.holdMs ?? 0) : 0;
          log.warn({ clientId: client.id, username, address, reason: result.reason, holdMs }, 'mqtt connection refused');
          if (holdMs <= 0) return done(err, null);
          heldRefusals++;
          setTimeout(() => {
            heldRefusals--;
            done(err, null);
          }, holdMs).unref();
        },
        (err: unknown) => {
          log.error({ err, clientId: client.id }, 'authentication failed with an error');
          const refusal = new Error('server unavailable') as AuthError;
          refusal.returnCode = 3;
          done(refusal, null);
        },
      );
    },
    authorizePublish(client, packet, done) {
      if (client === null) {
        // aedes publishes a stale last will with no client: only a status (offline) will is legal.
        const parsed = topics.parse(packet.topic);
        if (parsed.ok && parsed.topic.kind === 'status') return done(null);
        log.warn({ topic: packet.topic }, 'stale last will refused');
        return done(new Error('stale will refused'));
      }
      const identity = identities.get(client);
      if (identity === undefined) return done(new Error('not authenticated'));
      const verdict = canPublish(identity, packet.topic, topics);
      if (!verdict.ok) {
        // A refusal disconnects an MQTT 3.1.1 client: used only for a topic it may never use.
        log.warn({ clientId: client.id, topic: packet.topic, reason: verdict.reason }, 'mqtt publish refused');
        return done(new Error(verdict.reason));
      }
      const parsed = verdict.parsed;
      if (parsed === null || parsed.kind !== 'telemetry') return done(null);
      const ref: DeviceRef = { site: parsed.site, device: parsed.device };
      options.onTelemetry(ref, packet.topic, toBuffer(packet.payload), (err, outcome) => {
        if (err) return done(err);
        if (outcome?.reroute) {
          packet.topic = outcome.reroute.topic;
          packet.payload = outcome.reroute.payload;
        }
        done(null);
      });
    },
    // A stop-work command goes to its actuator now, not after aedes's setImmediate (urgent-forward.ts).
    authorizeForward: (client, packet) => urgent.forward(client, packet) as typeof packet | null,
    authorizeSubscribe(client, subscription, done) {
      const identity = identities.get(client);
      const verdict = identity ? canSubscribe(identity, subscription.topic, topics) : { ok: false as const, reason: 'not authenticated' };
      if (!verdict.ok) {
        log.warn({ clientId: client.id, filter: subscription.topic, reason: verdict.reason }, 'mqtt subscription refused');
        // null refuses this one subscription (SUBACK 0x80) and keeps the client connected.
        return done(null, null);
      }
      done(null, subscription);
    },
  });

  const urgent = new UrgentForwarder(topics, () => Object.values((aedes as unknown as { clients: Record<string, Client> }).clients));
  const maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  let oversizeCuts = 0;
  const onConnection = (socket: Socket): void => {
    const client = aedes.handle(socket);
    socket.once('close', () => {
      if (typeof client.id === 'string') owners.release(client.id, client);
      const identity = identities.get(client);
      if (identity !== undefined) live.delete(usernameOf(identity), client);
    });
    // After aedes.handle: aedes reads in 'readable' mode, so this 'data' listener runs inside its
    // read() before the parser sees the chunk, and does not switch the socket to flowing mode.
    guardPacketSize(socket, maxPacketBytes, (violation) => {
      oversizeCuts++;
      log.warn({ address: socket.remoteAddress, port: socket.remotePort, ...violation, maxPacketBytes }, 'mqtt connection cut: packet over the size limit');
    });
  };
  const server: Server | null = options.plain === false ? null : createServer(onConnection);
  let tls: TlsListener | null = null;
  try {
    if (server) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
    if (options.tls) tls = await startTlsListener({ ...options.tls, log, onConnection });
  } catch (err) {
    // A TLS listener that cannot start must not leave the plain port bound behind it.
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  const address = server?.address();
  const port = server === null ? null : typeof address === 'object' && address !== null ? address.port : options.port;
  // An accept that fails (EMFILE: out of descriptors) must be said, not end the gateway.
  server?.on('error', (err: NodeJS.ErrnoException) => log.error({ err, code: err.code }, 'mqtt server could not accept a connection'));
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));

  return {
    aedes,
    port,
    tls,
    identityOf: (client) => identities.get(client),
    stats: () => ({ oversizeCuts, urgentWrites: urgent.writes, takeoversRefused, logins: authenticator.stats() }),
    sendNow: (packet) => urgent.sendNow(packet),
    disconnect: (usernames) =>
      live.close(usernames, (err, username, client) => {
        // The account is gone either way: drop the socket under aedes rather than leave it up.
        log.error({ err, username, clientId: client.id }, 'revoked account’s MQTT connection failed to close cleanly: socket destroyed');
        (client.conn as { destroy?: () => void } | undefined)?.destroy?.();
      }),
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      await tls?.close();
      authenticator.flush();
    },
  };
}

/** Cuts `socket` as soon as a packet header breaks the limit; `onCut` runs once per connection. */
function guardPacketSize(socket: Socket, maxPacketBytes: number, onCut: (violation: PacketLimitViolation) => void): void {
  const limit = new PacketLimit(maxPacketBytes);
  const onData = (chunk: Buffer): void => {
    const violation = limit.feed(chunk);
    if (violation === null) return;
    socket.off('data', onData);
    onCut(violation);
    socket.destroy();
  };
  socket.on('data', onData);
}

export function toBuffer(payload: PublishPacket['payload'] | string): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
}
