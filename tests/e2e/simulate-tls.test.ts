// `shaobing simulate --url mqtts://… --ca FILE` plays the kitchen over TLS against a gateway whose
// plain port is off: its readings reach the journal. A CA that did not sign the broker's
// certificate stops it with the reason; --ca on a plain URL is refused before any connection.

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3';
import { simulate } from '../../simulators/src/cli.js';
import { journalPath } from '../../gateway/src/store/journal-db.js';
import { tempDir } from '../support/tmp.js';
import { DEMO_SITE, startTestGateway, testConfig } from '../support/gateway.js';
import { makeCa, makeServerCert, type Pem } from '../support/tls.js';

describe('shaobing simulate over TLS', () => {
  let dir: ReturnType<typeof tempDir>;
  let ca: Pem;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  const out: string[] = [];

  beforeAll(async () => {
    dir = tempDir();
    ca = makeCa(dir.path);
    const server = makeServerCert(dir.path, ca);
    gateway = await startTestGateway(testConfig(dir.path, (c) => void (c.broker = { ...c.broker, tls: { port: 0, certFile: server.certFile, keyFile: server.keyFile } })));
  });

  afterEach(() => {
    vi.restoreAllMocks();
    out.length = 0;
  });

  afterAll(async () => {
    await gateway?.stop();
    dir?.remove();
  });

  const capture = () => {
    vi.spyOn(console, 'log').mockImplementation((t: string) => void out.push(t));
    vi.spyOn(console, 'error').mockImplementation((t: string) => void out.push(t));
  };

  it('publishes its readings over mqtts:// with --ca, and they are on disk', async () => {
    capture();
    const code = await simulate(['--url', `mqtts://localhost:${gateway.brokerTlsPort}`, '--ca', ca.certFile, '--max-steps', '3', '--interval-ms', '20']);
    expect(out.join('\n')).toMatch(/kitchen-01\/gas-01 seq=3 /);
    expect(code).toBe(1); // three readings are not a whole leak story: "not back to normal"
    const reader = new Database(journalPath(dir.path), { readonly: true });
    try {
      expect((reader.prepare('SELECT count(*) AS n FROM reading WHERE site = ? AND device = ?').get(DEMO_SITE, 'gas-01') as { n: number }).n).toBeGreaterThanOrEqual(3);
    } finally {
      reader.close();
    }
  });

  it('stops with the reason when --ca did not sign the broker certificate', async () => {
    const other = makeCa(dir.path, 'other-ca');
    capture();
    expect(await simulate(['--url', `mqtts://localhost:${gateway.brokerTlsPort}`, '--ca', other.certFile, '--max-steps', '3', '--interval-ms', '20'])).toBe(1);
    expect(out.at(-1)).toMatch(/cannot connect to mqtts:\/\/localhost:\d+: .*(unable to verify|certificate)/i);
  });

  it('refuses --ca with a plain mqtt:// url and a --ca file that is not PEM, before any connection', async () => {
    capture();
    expect(await simulate(['--url', 'mqtt://127.0.0.1:1883', '--ca', ca.certFile])).toBe(2);
    expect(out.at(-1)).toMatch(/--ca checks a TLS broker: give an mqtts:\/\/ --url/);
    expect(await simulate(['--url', 'mqtts://localhost:8883', '--ca', ca.keyFile])).toBe(2);
    expect(out.at(-1)).toMatch(/holds no PEM certificate/);
  });
});
