// The embedded MQTT broker: aedes on a TCP port with Shaobing's authentication and ACL hooks.
// Telemetry is handed to `onTelemetry` inside authorizePublish, the one hook that holds back the
// PUBACK (STACK.md), so an acknowledgement can mean "on disk".

import { createServer, type Server } from 'node:net';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import type { Topics } from '../../gateway/src/contract/topics.js';
import type { DeviceRef } from '../../gateway/src/contract/ids.js';
import type { Authenticator, Identity } from './auth.js';
import { canPublish, canSubscribe } from './acl.js';

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
}

export interface Broker {
  readonly aedes: Aedes;
  /** The port actually bound (useful when 0 was asked for). */
  readonly port: number;
  identityOf(client: Client): Identity | undefined;
  close(): Promise<void>;
}

type AuthError = Error & { returnCode: number };

export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const { topics, authenticator, log } = options;
  const identities = new WeakMap<Client, Identity>();

  const aedes = await Aedes.createBroker({
    drainTimeout: options.drainTimeoutMs,
    authenticate(client, username, password, done) {
      // The source address feeds the failed-login limit (login-limit.ts).
      const address = (client.conn as { remoteAddress?: string } | undefined)?.remoteAddress;
      authenticator.authenticate(username, password, address).then(
        (result) => {
          if (result.ok) {
            identities.set(client, result.identity);
            done(null, true);
            return;
          }
          log.warn({ clientId: client.id, username, reason: result.reason }, 'mqtt connection refused');
          const err = new Error(`connection refused: ${result.reason}`) as AuthError;
          // 5 not authorised, 4 bad username or password; 3 server unavailable tells a rate-limited
          // client to come back later (MQTT 3.1.1 has no "too many attempts" code).
          err.returnCode = result.reason === 'anonymous' ? 5 : result.reason === 'rate_limited' ? 3 : 4;
          done(err, null);
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

  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));

  return {
    aedes,
    port,
    identityOf: (client) => identities.get(client),
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function toBuffer(payload: PublishPacket['payload'] | string): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
}
