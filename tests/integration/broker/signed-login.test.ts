// Signed device logins on the real embedded broker (broker/src/signed-login.ts): a
// captured one-time password is refused when replayed from a second client (CONNACK 4), as are a
// stale time and a wrong key; the simulator logs in signed and signs again on each reconnect.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IClientOptions } from 'mqtt';
import { makeAuthenticator } from '../../../broker/src/auth.js';
import { startBroker, type Broker } from '../../../broker/src/server.js';
import { deriveLoginKey, signLogin } from '../../../broker/src/signed-login.js';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { connectDevice } from '../../../simulators/src/devices/gas-detector.js';
import { connectClient } from '../../support/mqtt.js';
import { eventually } from '../../support/gateway.js';

const SITE = 'kitchen-01';
const USER = `${SITE}/gas-01`;
const SECRET = 'gas-01-secret-for-signing';
const KEY = deriveLoginKey(SECRET, USER);
const topics = makeTopics();

async function refusal(url: string, options: IClientOptions): Promise<string> {
  try {
    const c = await connectClient(url, options);
    await c.endAsync(true);
    return 'connected';
  } catch (err) {
    return `refused ${String((err as { code?: number }).code)}`;
  }
}

describe('signed device logins on the embedded broker', () => {
  let broker: Broker;
  let url: string;
  let auth: ReturnType<typeof makeAuthenticator>;

  beforeAll(async () => {
    auth = makeAuthenticator({ sites: [{ id: SITE, devices: [{ id: 'gas-01', auth: 'signed', loginKey: KEY.toString('hex') }] }] });
    broker = await startBroker({ host: '127.0.0.1', port: 0, topics, authenticator: auth, log: silentLogger(), drainTimeoutMs: 5000, onTelemetry: (_r, _t, _p, done) => done(null) });
    url = `mqtt://127.0.0.1:${broker.port}`;
  });

  afterAll(async () => {
    await broker?.close();
  });

  it('accepts a signed login and refuses the same password replayed from a second client, leaving the device connected', async () => {
    const login = { username: USER, clientId: 'gas-01-signed', password: signLogin({ loginKey: KEY, username: USER, clientId: 'gas-01-signed', atMs: Date.now() }) };
    const device = await connectClient(url, login);
    try {
      // A thief who captured the CONNECT sends it again byte for byte (same client id), then under its own id.
      expect(await refusal(url, login)).toBe('refused 4');
      expect(await refusal(url, { ...login, clientId: 'thief' })).toBe('refused 4');
      await new Promise((r) => setTimeout(r, 100));
      expect(device.connected).toBe(true);
      expect(auth.stats()).toMatchObject({ replaysRefused: 1 });
    } finally {
      await device.endAsync(true);
    }
  });

  it('refuses a stale time, a wrong key and the raw secret sent as a static password', async () => {
    const stale = signLogin({ loginKey: KEY, username: USER, clientId: 'c1', atMs: Date.now() - 301_000 });
    expect(await refusal(url, { username: USER, clientId: 'c1', password: stale })).toBe('refused 4');
    const wrong = signLogin({ loginKey: deriveLoginKey('not the secret', USER), username: USER, clientId: 'c2', atMs: Date.now() });
    expect(await refusal(url, { username: USER, clientId: 'c2', password: wrong })).toBe('refused 4');
    expect(await refusal(url, { username: USER, clientId: 'c3', password: SECRET })).toBe('refused 4');
    expect(auth.stats()).toMatchObject({ staleRefused: 1 });
  });

  it('lets the simulator log in signed and sign afresh when it reconnects', async () => {
    const sim = connectDevice({ url, site: SITE, device: 'gas-01', password: SECRET, login: 'signed', topics, reconnectPeriodMs: 50 });
    try {
      await sim.ready;
      const accepted = auth.stats().signedAccepted;
      let connects = 0;
      sim.client.on('connect', () => connects++);
      // Drop the TCP connection under it: mqtt.js reconnects with a new signed password (the old one would be a replay).
      sim.client.stream.destroy();
      await eventually(() => connects >= 1 && sim.client.connected, 5000, 'the simulator to reconnect');
      expect(auth.stats().signedAccepted).toBe(accepted + 1);
    } finally {
      await sim.end();
    }
  });
});
