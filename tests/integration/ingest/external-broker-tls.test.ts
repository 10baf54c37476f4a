// The gateway behind a real Mosquitto reached over mqtts:// (broker.clientTls): it checks the
// broker's certificate against caFile and logs in with its own client certificate (Mosquitto
// `require_certificate` + `use_identity_as_username`, no password), and a device's reading sent to
// Mosquitto lands in the journal. A CA that did not sign the broker's certificate fails the start.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { journalPath } from '../../../gateway/src/store/journal-db.js';
import { ConfigError } from '../../../gateway/src/errors.js';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { mosquittoMissing, startMosquitto, type Mosquitto } from '../../support/mosquitto.js';
import { freePort } from '../../support/gateway-process.js';
import { makeCa, makeCert, makeServerCert, type Pem } from '../../support/tls.js';

const missing = mosquittoMissing();
if (missing) console.warn(`external-broker TLS tests skipped: ${missing}. They run in CI, which installs Mosquitto.`);

const GATEWAY_USER = 'shaobing-gateway'; // the account acl.example grants

describe.skipIf(missing !== null)('gateway behind Mosquitto over TLS (broker.clientTls)', () => {
  let dir: ReturnType<typeof tempDir>;
  let ca: Pem;
  let gatewayCert: Pem;
  let broker: Mosquitto;
  let tlsPort: number;

  beforeAll(async () => {
    dir = tempDir();
    ca = makeCa(dir.path);
    const server = makeServerCert(dir.path, ca);
    gatewayCert = makeCert(dir.path, ca, 'gateway', GATEWAY_USER);
    tlsPort = await freePort();
    broker = await startMosquitto({
      users: { [GATEWAY_USER]: randomBytes(12).toString('hex'), ...Object.fromEntries(Object.entries(DEMO_PASSWORDS).map(([d, p]) => [`${DEMO_SITE}/${d}`, p])) },
      extra: [`listener ${tlsPort} 127.0.0.1`, `cafile ${ca.certFile}`, `certfile ${server.certFile}`, `keyfile ${server.keyFile}`, 'require_certificate true', 'use_identity_as_username true'],
    });
  });

  afterAll(async () => {
    await broker?.close();
    dir?.remove();
  });

  it('logs in with its certificate over mqtts:// and journals a device reading', async () => {
    const data = tempDir();
    const gateway = await startTestGateway(
      testConfig(data.path, (c) => {
        c.broker = { ...c.broker, mode: 'external', url: `mqtts://localhost:${tlsPort}`, clientId: 'shaobing-gateway-tls', clientTls: { caFile: ca.certFile, ...gatewayCert } };
        c.api = { ...c.api, enabled: false };
      }),
    );
    const device = await connectClient(broker.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    try {
      await device.publishAsync(gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never }), JSON.stringify({ ts: Date.now(), seq: 9, readings: { ch4: 2, co: 3 } }), { qos: 1 });
      const reader = new Database(journalPath(data.path), { readonly: true });
      try {
        await eventually(() => reader.prepare('SELECT seq FROM reading WHERE site = ? AND device = ? AND seq = 9').get(DEMO_SITE, 'gas-01'), 10_000, 'reading 9 journaled');
      } finally {
        reader.close();
      }
    } finally {
      await device.endAsync(true);
      await gateway.stop();
      data.remove();
    }
  });

  it('fails the start when caFile did not sign the broker certificate, and names a missing file', async () => {
    const other = makeCa(dir.path, 'other-ca');
    const attempt = async (clientTls: { caFile?: string; certFile?: string; keyFile?: string }): Promise<unknown> => {
      const data = tempDir();
      try {
        const g = await startTestGateway(
          testConfig(data.path, (c) => {
            c.broker = { ...c.broker, mode: 'external', url: `mqtts://localhost:${tlsPort}`, clientId: 'shaobing-gateway-tls-bad', clientTls };
            c.api = { ...c.api, enabled: false };
          }),
        );
        await g.stop();
        return 'started';
      } catch (err) {
        return err;
      } finally {
        data.remove();
      }
    };
    const untrusted = await attempt({ caFile: other.certFile, ...gatewayCert });
    expect(String((untrusted as Error).message)).toMatch(/unable to verify|self.signed|certificate/i);
    const absent = (await attempt({ caFile: `${dir.path}/none.crt` })) as ConfigError;
    expect(absent).toBeInstanceOf(ConfigError);
    expect(absent.problems).toEqual([{ path: 'broker.clientTls.caFile', message: expect.stringContaining('none.crt') }]);
  });

  it('refuses clientTls on the embedded broker or a plain mqtt:// url at config validation', () => {
    expect(() => testConfig(dir.path, (c) => void (c.broker = { ...c.broker, clientTls: { caFile: ca.certFile } }))).toThrow(/clientTls is for an external broker reached over TLS/);
    expect(() => testConfig(dir.path, (c) => void (c.broker = { ...c.broker, mode: 'external', url: broker.url, clientTls: { caFile: ca.certFile } }))).toThrow(/mqtts:\/\//);
  });
});
