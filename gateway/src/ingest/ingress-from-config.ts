// The ingress the config asks for: the embedded aedes broker with the sites' device logins, or a
// client of an external broker (Mosquitto, EMQX) with the gateway's account.

import { readFileSync } from 'node:fs';
import { makeAuthenticator } from '../../../broker/src/auth.js';
import { loadTlsContext } from '../../../broker/src/tls-context.js';
import { ConfigError } from '../errors.js';
import { LoginThrottle } from '../../../broker/src/login-throttle.js';
import { loadDigestKey, SqliteLoginDigests } from '../store/sqlite-login-digests.js';
import { SqliteShareMembers } from '../store/sqlite-share-members.js';
import type { Db } from '../store/sqlite.js';
import type { Config, SiteConfig } from '../config/schema.js';
import type { Topics } from '../contract/topics.js';
import type { Logger } from '../log.js';
import { AedesIngress } from './aedes-ingress.js';
import type { Ingress } from './ingress.js';
import { MqttIngress } from './mqtt-ingress.js';

/**
 * `stateDb` keeps the embedded broker's verified-login digests across restarts (sqlite-login-digests.ts),
 * and an external broker's shared-subscription members (sqlite-share-members.ts).
 * `sites` are the device accounts at start: the fleet's (config and registry), the config's by
 * default; Ingress.applySites keeps them in step afterwards.
 */
export function ingressFromConfig(config: Config, topics: Topics, clock: () => number, log: Logger, stateDb: Db, sites: readonly SiteConfig[] = config.sites): Ingress {
  const { broker } = config;
  if (broker.mode === 'embedded') {
    const brokerLog = log.child({ module: 'broker' });
    const t = broker.loginThrottle;
    return new AedesIngress({
      host: broker.host,
      port: broker.port,
      drainTimeoutMs: broker.drainTimeoutS * 1000,
      maxPacketBytes: broker.maxPacketBytes,
      ...(broker.tls
        ? {
            tls: {
              host: broker.tls.host ?? broker.host,
              port: broker.tls.port,
              files: { certFile: broker.tls.certFile, keyFile: broker.tls.keyFile, caFile: broker.tls.caFile },
              minVersion: broker.tls.minVersion,
              requireClientCert: broker.tls.requireClientCert,
              handshakeTimeoutMs: broker.tls.handshakeTimeoutS * 1000,
              watchIntervalMs: broker.tls.watchFilesS * 1000,
            },
            plain: broker.tls.keepPlain,
          }
        : {}),
      topics,
      authenticator: makeAuthenticator(
        { sites, users: broker.users },
        {
          signedLogin: { maxSkewMs: broker.signedLogin.maxSkewS * 1000, maxNonces: broker.signedLogin.maxNonces },
          clock,
          digests: new SqliteLoginDigests(stateDb, clock, brokerLog),
          digestKey: loadDigestKey(config.storage.dataDir, brokerLog),
          throttle: new LoginThrottle({ freePerAddress: t.freePerAddress, freePerUsername: t.freePerUsername, windowMs: t.windowS * 1000, baseDelayMs: t.baseDelayMs, maxDelayMs: t.maxDelayMs }, clock),
          scryptSlots: broker.scryptSlots,
        },
      ),
      log: brokerLog,
    });
  }
  return new MqttIngress({
    url: broker.url!,
    clientId: broker.clientId,
    connections: subscriptionConnections(config),
    sharedGroup: broker.sharedGroup,
    members: new SqliteShareMembers(stateDb),
    ...(broker.username !== undefined ? { username: broker.username } : {}),
    ...(broker.password !== undefined ? { password: broker.password } : {}),
    ...(broker.clientTls ? { tls: clientTls(broker.clientTls) } : {}),
    topics,
    log: log.child({ module: 'mqtt' }),
  });
}

/**
 * How many connections take telemetry from an external broker (broker.subscriptionConnections):
 * absent, one, on the plain subscription of one persistent session. Several (a shared
 * subscription) are asked for by name: measured with Mosquitto 2.0 and persistence, readings the
 * broker acknowledged between its own restart and the members' return reached no member and were
 * lost (tests/faults/broker-restart.test.ts with 2 connections), where one plain persistent
 * subscription is restored by the broker and queues them. The embedded broker has one connection
 * per device: 1.
 */
export function subscriptionConnections(config: Config): number {
  if (config.broker.mode !== 'external') return 1;
  return config.broker.subscriptionConnections ?? 1;
}

/** Reads broker.clientTls; a file that cannot be used is a config error naming its field. */
function clientTls(t: NonNullable<Config['broker']['clientTls']>): { ca?: string; cert?: string; key?: string } {
  if (t.certFile !== undefined && t.keyFile !== undefined) {
    // The same checks as the embedded broker's own pair: readable, PEM, the key is the certificate's.
    const loaded = loadTlsContext({ certFile: t.certFile, keyFile: t.keyFile, caFile: t.caFile }, 'TLSv1.2');
    if (!loaded.ok) throw new ConfigError(loaded.problems.map((p) => ({ path: `broker.clientTls.${p.field}`, message: p.message })));
    const { cert, key, ca } = loaded.options as { cert: string; key: string; ca?: string };
    return { cert, key, ...(ca !== undefined ? { ca } : {}) };
  }
  if (t.caFile === undefined) return {};
  let ca: string;
  try {
    ca = readFileSync(t.caFile, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: 'broker.clientTls.caFile', message: `cannot read ${t.caFile}: ${(err as Error).message} (give the PEM file of the CA that signed the broker's certificate)` }]);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError([{ path: 'broker.clientTls.caFile', message: `${t.caFile} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")` }]);
  return { ca };
}
