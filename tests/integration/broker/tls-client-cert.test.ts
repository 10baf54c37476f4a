// Devices with X.509 certificates (mutual TLS, broker/src/cert-login.ts): a certificate signed by
// broker.tls.caFile logs its device in by the subject CN `site/device`, no password; a CN the
// config does not know, a username naming someone else, or a certificate from another CA are
// refused; with requireClientCert a client without a certificate gets no connection at all.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import type { RunningGateway as Gateway } from '../../support/fixture.js';
import { connectPacket } from '../../support/raw-mqtt.js';
import { connectOutcome, journalReading, makeCa, makeCert, makeServerCert, type Pem } from '../../support/tls.js';

describe('device login by client certificate', () => {
  let dir: ReturnType<typeof tempDir>;
  let serverCa: Pem;
  let deviceCa: Pem;
  let gasCert: Pem;
  let ghostCert: Pem;
  let strangerCert: Pem;
  let gateway: Gateway;
  let strict: Gateway;

  const tlsOf = (pem: Pem) => ({ ca: readFileSync(serverCa.certFile), cert: readFileSync(pem.certFile), key: readFileSync(pem.keyFile) });

  beforeAll(async () => {
    dir = tempDir();
    serverCa = makeCa(dir.path, 'server-ca');
    deviceCa = makeCa(dir.path, 'device-ca');
    const stranger = makeCa(dir.path, 'stranger-ca');
    const server = makeServerCert(dir.path, serverCa);
    gasCert = makeCert(dir.path, deviceCa, 'gas-01', `${DEMO_SITE}\\/gas-01`);
    ghostCert = makeCert(dir.path, deviceCa, 'ghost', `${DEMO_SITE}\\/ghost`);
    strangerCert = makeCert(dir.path, stranger, 'stranger', `${DEMO_SITE}\\/gas-01`);
    const tls = { port: 0, certFile: server.certFile, keyFile: server.keyFile, caFile: deviceCa.certFile };
    gateway = await startTestGateway(testConfig(dir.path, (c) => void (c.broker = { ...c.broker, tls })));
    const strictDir = `${dir.path}/strict`;
    strict = await startTestGateway(testConfig(strictDir, (c) => void (c.broker = { ...c.broker, tls: { ...tls, requireClientCert: true } })));
  });

  afterAll(async () => {
    await gateway?.stop();
    await strict?.stop();
    dir?.remove();
  });

  it('logs a device in by its certificate CN without a password, and its reading is on disk at PUBACK', async () => {
    const device = await connectClient(`mqtts://localhost:${gateway.brokerTlsPort}`, { clientId: 'gas-01-x509', ...tlsOf(gasCert) });
    try {
      const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
      await device.publishAsync(topic, JSON.stringify({ ts: Date.now(), seq: 31, readings: { ch4: 2, co: 3 } }), { qos: 1 });
      expect(journalReading(dir.path, DEMO_SITE, 'gas-01', 31)).toEqual({ seq: 31 });
    } finally {
      await device.endAsync(true);
    }
  });

  it('accepts the certificate’s own name as username and refuses another device’s name (CONNACK 4)', async () => {
    const url = `mqtts://localhost:${gateway.brokerTlsPort}`;
    expect(await connectOutcome(url, { clientId: 'gas-01-named', username: `${DEMO_SITE}/gas-01`, ...tlsOf(gasCert) })).toBe('connected');
    // The valve's password is right, but this connection is the gas detector's.
    expect(await connectOutcome(url, { clientId: 'gas-01-as-valve', username: `${DEMO_SITE}/valve-01`, password: DEMO_PASSWORDS['valve-01'], ...tlsOf(gasCert) })).toMatch(/^refused 4/);
  });

  it('refuses a valid certificate for a device the config does not know (CONNACK 4)', async () => {
    expect(await connectOutcome(`mqtts://localhost:${gateway.brokerTlsPort}`, { clientId: 'ghost', ...tlsOf(ghostCert) })).toMatch(/^refused 4/);
  });

  it('cuts a client whose certificate another CA signed, before any CONNACK', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', servername: 'localhost', port: gateway.brokerTlsPort!, ...tlsOf(strangerCert) });
    socket.on('error', () => undefined);
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    const closed = new Promise<boolean>((r) => socket.once('close', () => r(true)));
    socket.once('secureConnect', () => socket.write(connectPacket('stranger', '', '')));
    expect(await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), 5000))])).toBe(true);
    expect(received).toEqual([]);
  });

  it('holds a certificate login to its device’s topics: the ACL refuses another device’s subscription and telemetry', async () => {
    const device = await connectClient(`mqtts://localhost:${gateway.brokerTlsPort}`, { clientId: 'gas-01-acl', ...tlsOf(gasCert) });
    try {
      const valve = { site: DEMO_SITE as never, device: 'valve-01' as never };
      // SUBACK 0x80: mqtt.js rejects the subscription and the connection stays.
      await expect(device.subscribeAsync(gateway.topics.cmd(valve), { qos: 1 })).rejects.toThrow();
      expect(device.connected).toBe(true);
      const closed = new Promise<boolean>((r) => device.once('close', () => r(true)));
      device.publish(gateway.topics.telemetry(valve), JSON.stringify({ ts: Date.now(), seq: 1, readings: { ch4: 1 } }), { qos: 1 });
      expect(await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), 5000))])).toBe(true);
    } finally {
      await device.endAsync(true);
    }
  });

  it('still takes password logins without a certificate unless requireClientCert', async () => {
    const login = { ...deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']), ca: readFileSync(serverCa.certFile) };
    expect(await connectOutcome(`mqtts://localhost:${gateway.brokerTlsPort}`, login)).toBe('connected');
    const noCert = await connectOutcome(`mqtts://localhost:${strict.brokerTlsPort}`, login);
    expect(noCert).toMatch(/CERTIFICATE_REQUIRED|certificate required/i);
    expect(await connectOutcome(`mqtts://localhost:${strict.brokerTlsPort}`, { clientId: 'gas-01-strict', ...tlsOf(gasCert) })).toBe('connected');
  });
});
