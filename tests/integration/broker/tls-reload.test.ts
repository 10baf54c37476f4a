// Certificate rotation on the TLS broker: the files replaced in place and re-read (the gateway's
// SIGHUP does this, tests/e2e/cli-reload-tls.test.ts) serve new handshakes the new certificate
// while connections already up keep publishing; a bad replacement is refused and the previous
// certificate stays served.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import type { RunningGateway as Gateway } from '../../support/fixture.js';
import { makeCa, makeServerCert, servedFingerprint, type Pem } from '../../support/tls.js';

describe('TLS certificate rotation without a restart', () => {
  let dir: ReturnType<typeof tempDir>;
  let oldCa: Pem;
  let newCa: Pem;
  let oldCert: Pem;
  let newCert: Pem;
  let live: Pem;
  let gateway: Gateway;
  let device: MqttClient;

  beforeAll(async () => {
    dir = tempDir();
    oldCa = makeCa(dir.path, 'old-ca');
    newCa = makeCa(dir.path, 'new-ca');
    oldCert = makeServerCert(dir.path, oldCa, 'old');
    newCert = makeServerCert(dir.path, newCa, 'new');
    live = { certFile: `${dir.path}/live.crt`, keyFile: `${dir.path}/live.key` };
    copyFileSync(oldCert.certFile, live.certFile);
    copyFileSync(oldCert.keyFile, live.keyFile);
    gateway = await startTestGateway(testConfig(dir.path, (c) => void (c.broker = { ...c.broker, tls: { port: 0, ...live } })));
    device = await connectClient(`mqtts://localhost:${gateway.brokerTlsPort}`, { ...deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']), ca: readFileSync(oldCa.certFile) });
  });

  afterAll(async () => {
    await device?.endAsync(true);
    await gateway?.stop();
    dir?.remove();
  });

  it('serves the replaced certificate to new handshakes and keeps the connected device publishing', async () => {
    const port = gateway.brokerTlsPort!;
    const before = await servedFingerprint(port, oldCa.certFile);
    copyFileSync(newCert.certFile, live.certFile);
    copyFileSync(newCert.keyFile, live.keyFile);
    const result = gateway.inside.ingress.reloadTls!();
    expect(result).toMatchObject({ ok: true, subject: 'CN=localhost' });
    const after = await servedFingerprint(port, newCa.certFile);
    expect(after).not.toBe(before);
    expect(result.ok && result.fingerprint256).toBe(after);
    // A client trusting only the old CA no longer gets through; the device connected before does.
    await expect(servedFingerprint(port, oldCa.certFile)).rejects.toThrow(/unable to verify|self.signed|certificate/i);
    const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    await device.publishAsync(topic, JSON.stringify({ ts: Date.now(), seq: 7, readings: { ch4: 2, co: 3 } }), { qos: 1 });
    expect(device.connected).toBe(true);
  });

  it('refuses a replacement whose key does not match and keeps serving the certificate it had', async () => {
    const port = gateway.brokerTlsPort!;
    const serving = await servedFingerprint(port, newCa.certFile);
    copyFileSync(oldCert.keyFile, live.keyFile); // half a rotation: the new certificate with the old key
    const result = gateway.inside.ingress.reloadTls!();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('\n')).toMatch(/^broker\.tls\.keyFile: the key in .*live\.key does not match the certificate/);
    expect(await servedFingerprint(port, newCa.certFile)).toBe(serving);
    copyFileSync(newCert.keyFile, live.keyFile);
  });

  it('reloads by itself when the files change (broker.tls.watchFilesS), once both are written', async () => {
    const d = tempDir();
    const files = { certFile: `${d.path}/w.crt`, keyFile: `${d.path}/w.key` };
    copyFileSync(oldCert.certFile, files.certFile);
    copyFileSync(oldCert.keyFile, files.keyFile);
    const g = await startTestGateway(testConfig(d.path, (c) => void (c.broker = { ...c.broker, tls: { port: 0, ...files, watchFilesS: 0.1 } })));
    try {
      const port = g.brokerTlsPort!;
      const before = await servedFingerprint(port, oldCa.certFile);
      copyFileSync(newCert.certFile, files.certFile);
      await new Promise((r) => setTimeout(r, 30)); // the key follows a moment later, as a copy would
      copyFileSync(newCert.keyFile, files.keyFile);
      const after = await eventually(() => servedFingerprint(port, newCa.certFile).catch(() => undefined), 5000, 'the new certificate served');
      expect(after).not.toBe(before);
    } finally {
      await g.stop();
      d.remove();
    }
  });
});
