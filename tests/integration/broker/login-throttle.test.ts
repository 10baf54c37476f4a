// Failed logins cannot be aimed at a device (broker/src/login-throttle.ts) and verified logins
// survive a restart (gateway/src/store/sqlite-login-digests.ts), over the real gateway with
// clients bound to distinct loopback addresses (127.0.0.x), as devices behind different NATs.

import { connect as netConnect } from 'node:net';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { hashPassword } from '../../../broker/src/auth.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { AedesIngress } from '../../../gateway/src/ingest/aedes-ingress.js';
import { statePath } from '../../../gateway/src/store/state-db.js';
import { DEMO_PASSWORDS, DEMO_SITE } from '../../support/gateway.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { deviceLogin } from '../../support/mqtt.js';

type Gateway = RunningGateway;
type Outcome = { result: 'connected' | `refused ${number}` | string; ms: number };

/** Connects from `localAddress`, reports the outcome and how long it took, and closes. */
function attempt(port: number, localAddress: string, options: IClientOptions): Promise<Outcome> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const client: MqttClient = new mqtt.MqttClient(() => netConnect({ host: '127.0.0.1', port, localAddress }), { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 20_000, ...options });
    const finish = (result: string): void => {
      client.end(true);
      resolve({ result, ms: Date.now() - t0 });
    };
    client.once('connect', () => finish('connected'));
    client.once('error', (err: Error & { code?: number }) => finish(typeof err.code === 'number' ? `refused ${err.code}` : err.message));
    client.once('close', () => finish('closed'));
  });
}

const THROTTLE = { freePerAddress: 50, freePerUsername: 5, windowS: 60, baseDelayMs: 100, maxDelayMs: 1_600 };

describe('MQTT login throttle and remembered logins', () => {
  const fx = useGatewayFixture();
  const dataDir = (): string => fx.dataDir();

  async function gateway(path: string, patch: (input: ConfigInput) => void = () => {}): Promise<Gateway> {
    // Stopped after the test; Runtime.stop is idempotent, so a test that stopped it already is fine.
    return fx.start({
      dataDir: path,
      patch: (input) => {
        input.broker = { ...input.broker, loginThrottle: THROTTLE };
        patch(input);
      },
    });
  }

  const valve = (password: string) => deviceLogin(DEMO_SITE, 'valve-01', password);
  const port = (g: Gateway): number => g.brokerPort!;

  it('lets the valve in at once with its right password, never verified before, while its username is hammered from another address', async () => {
    const g = await gateway(dataDir());
    const guesses: Outcome[] = [];
    for (let i = 0; i < 9; i++) guesses.push(await attempt(port(g), '127.0.0.2', valve(`guess-${i}`)));
    expect(guesses.every((o) => o.result === 'refused 4')).toBe(true);
    // Past the five free failures the guesser waits 100, 200, 400, 800 ms for each answer.
    expect(guesses.at(-1)!.ms).toBeGreaterThanOrEqual(750);
    // An attack in flight (held refusals) does not hold the device either.
    const inFlight = attempt(port(g), '127.0.0.2', valve('guess-x'));
    const real = await attempt(port(g), '127.0.0.3', valve(DEMO_PASSWORDS['valve-01']));
    expect(real.result).toBe('connected');
    const held = await inFlight;
    expect(held.result).toBe('refused 4');
    // One scrypt (~50 ms idle, more on a busy machine) against a refusal held 1.6 s.
    expect(real.ms).toBeLessThan(held.ms);
  });

  it('does not let 200 unknown usernames from one carrier-NAT address refuse a fresh valid login from it', async () => {
    const g = await gateway(dataDir());
    const sweep = Array.from({ length: 200 }, (_, i) => attempt(port(g), '127.0.0.4', deviceLogin(DEMO_SITE, `nobody-${i}`, 'x')));
    // Let the sweep reach the broker first.
    await new Promise((r) => setTimeout(r, 300));
    const fresh = await attempt(port(g), '127.0.0.4', deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    expect(fresh.result).toBe('connected');
    const swept = await Promise.all(sweep);
    expect(new Set(swept.map((o) => o.result))).toEqual(new Set(['refused 4']));
    // Past the 50 free failures the address's refusals were held back, up to the 1.6 s cap.
    expect(Math.max(...swept.map((o) => o.ms))).toBeGreaterThanOrEqual(1_500);
  });

  it('remembers a verified login across a restart, and forgets it when the password hash changes', async () => {
    const path = dataDir();
    const first = await gateway(path);
    expect((await attempt(port(first), '127.0.0.1', valve(DEMO_PASSWORDS['valve-01']))).result).toBe('connected');
    expect((first.inside.ingress as AedesIngress).brokerStats().logins.scryptRuns).toBe(1);
    await first.stop();

    // The digest is in state.db, not the password or anything derived from it without the key file.
    const db = new Database(statePath(path), { readonly: true });
    const rows = db.prepare('SELECT username, length(digest) AS bytes FROM broker_login_digest').all();
    db.close();
    expect(rows).toEqual([{ username: `${DEMO_SITE}/valve-01`, bytes: 32 }]);

    const second = await gateway(path);
    expect((await attempt(port(second), '127.0.0.1', valve(DEMO_PASSWORDS['valve-01']))).result).toBe('connected');
    expect((second.inside.ingress as AedesIngress).brokerStats().logins).toMatchObject({ scryptRuns: 0, cacheHits: 1 });
    await second.stop();

    // The password is rotated in the config: the old one no longer gets in, remembered or not.
    const rotated = await hashPassword('rotated-valve-password', { N: 1024 });
    const third = await gateway(path, (input) => {
      const site = input.sites![0]!;
      site.devices = site.devices.map((d) => (d.id === 'valve-01' ? { ...d, passwordHash: rotated } : d));
    });
    expect((await attempt(port(third), '127.0.0.1', valve(DEMO_PASSWORDS['valve-01']))).result).toBe('refused 4');
    expect((await attempt(port(third), '127.0.0.1', valve('rotated-valve-password'))).result).toBe('connected');
  });
});
