// The ingress the config asks for: the embedded aedes broker with the sites' device logins, or a
// client of an external broker (Mosquitto, EMQX) with the gateway's account.

import { makeAuthenticator } from '../../../broker/src/auth.js';
import type { Config } from '../config/schema.js';
import type { Topics } from '../contract/topics.js';
import type { Logger } from '../log.js';
import { AedesIngress } from './aedes-ingress.js';
import type { Ingress } from './ingress.js';
import { MqttIngress } from './mqtt-ingress.js';

export function ingressFromConfig(config: Config, topics: Topics, clock: () => number, log: Logger): Ingress {
  const { broker } = config;
  if (broker.mode === 'embedded') {
    return new AedesIngress({
      host: broker.host,
      port: broker.port,
      drainTimeoutMs: broker.drainTimeoutS * 1000,
      maxPacketBytes: broker.maxPacketBytes,
      topics,
      authenticator: makeAuthenticator(
        { sites: config.sites, users: broker.users },
        { signedLogin: { maxSkewMs: broker.signedLogin.maxSkewS * 1000, maxNonces: broker.signedLogin.maxNonces }, clock },
      ),
      log: log.child({ module: 'broker' }),
    });
  }
  return new MqttIngress({
    url: broker.url!,
    clientId: broker.clientId,
    ...(broker.username !== undefined ? { username: broker.username } : {}),
    ...(broker.password !== undefined ? { password: broker.password } : {}),
    topics,
    log: log.child({ module: 'mqtt' }),
  });
}
