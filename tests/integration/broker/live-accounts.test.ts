// The embedded broker's accounts follow the fleet without a restart (broker/src/account-index.ts,
// AedesIngress.applySites): on a running gateway a device added logs in within a second, by
// password or signed; one removed or given a new credential is cut at once and refused with its
// old credential (CONNACK 4, also from a remembered login or a client certificate); a change of
// channels or space alone leaves its connection up.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { hashPassword } from '../../../broker/src/auth.js';
import { deriveLoginKey, signLogin } from '../../../broker/src/signed-login.js';
import type { DeviceConfig, SiteConfig } from '../../../gateway/src/config/schema.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { DEMO_PASSWORDS, eventually, startTestGateway, testConfig, type TestGateway } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { connectOutcome, makeCa, makeCert, makeServerCert, type Pem } from '../../support/tls.js';
import { tempDir } from '../../support/tmp.js';

/** Resolves when the broker closes the client's connection, with the milliseconds it took from `sinceMs`. */
function closedWithin(client: MqttClient): Promise<number> {
  const since = performance.now();
  return new Promise((resolve) => client.once('close', () => resolve(performance.now() - since)));
}

/** Runs mosquitto_pub once at QoS 1: exit code 0 means the broker acknowledged the reading. */
function mosquittoPub(port: number, username: string, password: string, topic: string, message: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-u', username, '-P', password, '-i', `pub-${username.replace('/', '-')}`, '-t', topic, '-m', message, '-q', '1'], { timeout: 10_000 }, (err, _stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stderr }),
    );
  });
}

describe('broker accounts that follow the fleet while the gateway runs', () => {
  let dir: ReturnType<typeof tempDir>;
  let gw: TestGateway;
  let url: string;
  /** The site as the broker last heard of it: each test moves it on from here. */
  let site: SiteConfig;
  let deviceCa: Pem;
  let serverCa: Pem;

  /** Tells the broker the site is now `after`, as the registry would after a commit. */
  function applySite(after: SiteConfig | undefined): void {
    gw.inside.ingress.applySites([{ before: site, after }]);
    if (after) site = after;
  }

  /** A copy of the demo gas detector under another id and credential. */
  function detector(id: string, credential: Partial<DeviceConfig>): DeviceConfig {
    const gas = site.devices.find((d) => d.id === 'gas-01')!;
    return { ...gas, id, auth: 'static', passwordHash: undefined, loginKey: undefined, ...credential } as DeviceConfig;
  }

  const withDevice = (device: DeviceConfig): SiteConfig => ({ ...site, devices: [...site.devices.filter((d) => d.id !== device.id), device] });
  const without = (id: string): SiteConfig => ({ ...site, devices: site.devices.filter((d) => d.id !== id) });
  const username = (device: string) => `${site.id}/${device}`;

  beforeAll(async () => {
    dir = tempDir();
    serverCa = makeCa(dir.path, 'server-ca');
    deviceCa = makeCa(dir.path, 'device-ca');
    const server = makeServerCert(dir.path, serverCa);
    const tls = { port: 0, certFile: server.certFile, keyFile: server.keyFile, caFile: deviceCa.certFile, keepPlain: true };
    gw = await startTestGateway(testConfig(dir.path, (c) => void (c.broker = { ...c.broker, tls })));
    url = gw.url;
    site = gw.config.sites[0]!;
  });

  afterAll(async () => {
    await gw?.stop();
    dir?.remove();
  });

  it('lets a static-password device added while running log in within a second', async () => {
    const password = 'gas-07-password-1';
    const passwordHash = await hashPassword(password);
    // Before the change the broker does not know it.
    expect(await connectOutcome(url, deviceLogin(site.id, 'gas-07', password))).toMatch(/^refused 4/);
    const since = performance.now();
    applySite(withDevice(detector('gas-07', { passwordHash })));
    const client = await connectClient(url, deviceLogin(site.id, 'gas-07', password, 'gas-07-live'));
    const tookMs = performance.now() - since;
    try {
      expect(client.connected).toBe(true);
      expect(tookMs).toBeLessThan(1000);
      const topic = gw.topics.telemetry({ site: site.id as SiteId, device: 'gas-07' as DeviceId });
      await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), seq: 1, readings: { ch4: 1, co: 1 } }), { qos: 1 });
    } finally {
      await client.endAsync(true);
    }
  });

  it('lets a signed-login device added while running log in within a second', async () => {
    const loginKey = deriveLoginKey('gas-08-secret', username('gas-08'));
    const login = (clientId: string) => ({ username: username('gas-08'), clientId, password: signLogin({ loginKey, username: username('gas-08'), clientId, atMs: Date.now() }) });
    expect(await connectOutcome(url, login('gas-08-early'))).toMatch(/^refused 4/);
    const since = performance.now();
    applySite(withDevice(detector('gas-08', { auth: 'signed', loginKey: loginKey.toString('hex') })));
    const client = await connectClient(url, login('gas-08-live'));
    const tookMs = performance.now() - since;
    await client.endAsync(true);
    expect(tookMs).toBeLessThan(1000);
  });

  it('cuts a removed device at once, forgets its remembered login and refuses it afterwards (CONNACK 4)', async () => {
    const password = 'gas-09-password-1';
    applySite(withDevice(detector('gas-09', { passwordHash: await hashPassword(password) })));
    const client = await connectClient(url, deviceLogin(site.id, 'gas-09', password, 'gas-09-live'));
    // The verified login is remembered in state.db (written within half a second).
    const stateDb = new Database(join(dir.path, 'state.db'), { readonly: true });
    const digestRow = () => stateDb.prepare('SELECT username FROM broker_login_digest WHERE username = ?').get(username('gas-09'));
    try {
      await eventually(() => digestRow() !== undefined, 5000, 'the login digest to be saved');
      const closed = closedWithin(client);
      applySite(without('gas-09'));
      expect(await closed).toBeLessThan(1000);
      expect(digestRow()).toBeUndefined();
      expect(await connectOutcome(url, deviceLogin(site.id, 'gas-09', password, 'gas-09-back'))).toMatch(/^refused 4/);
    } finally {
      stateDb.close();
      await client.endAsync(true);
    }
  });

  it('cuts a device whose password changed, refuses the old password and takes the new one', async () => {
    const [oldPassword, newPassword] = ['gas-10-old-password', 'gas-10-new-password'];
    applySite(withDevice(detector('gas-10', { passwordHash: await hashPassword(oldPassword) })));
    const client = await connectClient(url, deviceLogin(site.id, 'gas-10', oldPassword, 'gas-10-live'));
    // A second login with the old password comes from the remembered digest, not scrypt.
    const hits = gw.inside.ingress.loginStats!().digestHits;
    await (await connectClient(url, deviceLogin(site.id, 'gas-10', oldPassword, 'gas-10-again'))).endAsync(true);
    expect(gw.inside.ingress.loginStats!().digestHits).toBe(hits + 1);
    try {
      const closed = closedWithin(client);
      applySite(withDevice(detector('gas-10', { passwordHash: await hashPassword(newPassword) })));
      expect(await closed).toBeLessThan(1000);
      expect(await connectOutcome(url, deviceLogin(site.id, 'gas-10', oldPassword, 'gas-10-old'))).toMatch(/^refused 4/);
      expect(await connectOutcome(url, deviceLogin(site.id, 'gas-10', newPassword, 'gas-10-new'))).toBe('connected');
    } finally {
      await client.endAsync(true);
    }
  });

  it('cuts a signed device moved to a new login key; the old key is refused, the new one logs in', async () => {
    const oldKey = deriveLoginKey('gas-11-old-secret', username('gas-11'));
    const newKey = deriveLoginKey('gas-11-new-secret', username('gas-11'));
    const login = (key: Buffer, clientId: string) => ({ username: username('gas-11'), clientId, password: signLogin({ loginKey: key, username: username('gas-11'), clientId, atMs: Date.now() }) });
    applySite(withDevice(detector('gas-11', { auth: 'signed', loginKey: oldKey.toString('hex') })));
    const client = await connectClient(url, login(oldKey, 'gas-11-live'));
    try {
      const closed = closedWithin(client);
      applySite(withDevice(detector('gas-11', { auth: 'signed', loginKey: newKey.toString('hex') })));
      expect(await closed).toBeLessThan(1000);
      expect(await connectOutcome(url, login(oldKey, 'gas-11-old'))).toMatch(/^refused 4/);
      expect(await connectOutcome(url, login(newKey, 'gas-11-new'))).toBe('connected');
    } finally {
      await client.endAsync(true);
    }
  });

  it('keeps a device connected when only its channels, its space or its site’s name change', async () => {
    const client = await connectClient(url, deviceLogin(site.id, 'gas-01', DEMO_PASSWORDS['gas-01'], 'gas-01-stays'));
    let closed = false;
    client.once('close', () => (closed = true));
    try {
      const gas = site.devices.find((d) => d.id === 'gas-01')!;
      const fewerChannels = Object.fromEntries(Object.entries(gas.channels).slice(0, 1));
      applySite({ ...withDevice({ ...gas, channels: fewerChannels, space: 'back-kitchen' }), name: `${site.name} (renamed)` });
      await new Promise((r) => setTimeout(r, 300));
      expect(closed).toBe(false);
      expect(client.connected).toBe(true);
      const topic = gw.topics.telemetry({ site: site.id as SiteId, device: 'gas-01' as DeviceId });
      await client.publishAsync(topic, JSON.stringify({ ts: Date.now(), seq: 7, readings: { ch4: 1 } }), { qos: 1 });
    } finally {
      await client.endAsync(true);
    }
  });

  it('refuses a removed device that shows a still-valid client certificate (CONNACK 4)', async () => {
    applySite(withDevice(detector('gas-12', { passwordHash: await hashPassword('gas-12-unused') })));
    const cert = makeCert(dir.path, deviceCa, 'gas-12', `${site.id}\\/gas-12`);
    const tlsUrl = `mqtts://localhost:${gw.brokerTlsPort}`;
    const tlsOf = { ca: readFileSync(serverCa.certFile), cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) };
    const client = await connectClient(tlsUrl, { clientId: 'gas-12-x509', ...tlsOf });
    try {
      const closed = closedWithin(client);
      applySite(without('gas-12'));
      expect(await closed).toBeLessThan(1000);
      expect(await connectOutcome(tlsUrl, { clientId: 'gas-12-x509-back', ...tlsOf })).toMatch(/^refused 4/);
    } finally {
      await client.endAsync(true);
    }
  });

  it('cuts every device of a removed site', async () => {
    // A second site, added and removed whole (a kitchen that closed).
    const other: SiteConfig = { ...site, id: 'kitchen-live-2', name: 'closed kitchen', devices: [detector('gas-01', { passwordHash: await hashPassword('k2-gas-password') })] };
    gw.inside.ingress.applySites([{ before: undefined, after: other }]);
    const client = await connectClient(url, deviceLogin('kitchen-live-2', 'gas-01', 'k2-gas-password', 'k2-gas-01'));
    try {
      const closed = closedWithin(client);
      gw.inside.ingress.applySites([{ before: other, after: undefined }]);
      expect(await closed).toBeLessThan(1000);
      expect(await connectOutcome(url, deviceLogin('kitchen-live-2', 'gas-01', 'k2-gas-password', 'k2-back'))).toMatch(/^refused 4/);
    } finally {
      await client.endAsync(true);
    }
  });

  it('lets mosquitto_pub publish as a device added while running, and refuses it once the device is removed', async () => {
    const password = 'gas-13-password-1';
    applySite(withDevice(detector('gas-13', { passwordHash: await hashPassword(password) })));
    const topic = gw.topics.telemetry({ site: site.id as SiteId, device: 'gas-13' as DeviceId });
    const reading = JSON.stringify({ ts: Date.now(), seq: 1, readings: { ch4: 1, co: 1 } });
    const accepted = await mosquittoPub(gw.brokerPort!, username('gas-13'), password, topic, reading);
    expect(accepted, accepted.stderr).toEqual({ code: 0, stderr: '' });
    applySite(without('gas-13'));
    const refused = await mosquittoPub(gw.brokerPort!, username('gas-13'), password, topic, reading);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/bad user name or password/i);
  });
});
