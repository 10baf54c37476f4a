// HTTPS for the API (api.tls) with a CA and certificates the test makes as an operator would: a
// real request that verifies the chain, a login over it, a reload that serves a renewed
// certificate to new handshakes, a broken file on reload that keeps the previous one, and a start
// refused with the config field when a file is missing.

import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { ConfigError } from '../../../gateway/src/errors.js';
import { startTestGateway, testConfig } from '../../support/gateway.js';
import { makeCa, makeServerCert, servedFingerprint, type Pem } from '../../support/tls.js';
import { tempDir } from '../../support/tmp.js';

function get(port: number, path: string, ca: string | undefined, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', servername: 'localhost', port, path, method: body === undefined ? 'GET' : 'POST', ...(ca ? { ca: readFileSync(ca) } : {}), headers: body === undefined ? {} : { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.once('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('HTTPS for the API', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(dir: string, files: Pem) {
    const g = await startTestGateway(testConfig(dir, (c) => void (c.api = { ...c.api, tls: { certFile: files.certFile, keyFile: files.keyFile } })));
    cleanups.push(() => g.stop());
    return g;
  }

  it('serves the page and the API over TLS with a chain the client verifies against the CA', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const ca = makeCa(dir.path);
    const g = await start(dir.path, makeServerCert(dir.path, ca));

    const health = await get(g.apiPort!, '/healthz', ca.certFile);
    expect(health).toEqual({ status: 200, body: '{"status":"ok"}' });
    const page = await get(g.apiPort!, '/', ca.certFile);
    expect([page.status, page.body]).toEqual([200, expect.stringContaining('哨兵')]);
    // The login answers over the same verified channel (a wrong password here; no user exists).
    const login = await get(g.apiPort!, '/api/v1/session', ca.certFile, { name: 'nobody', password: 'whatever-it-is' });
    expect(login.status).toBe(401);

    // Without the CA the client cannot verify the chain: the handshake is refused, nothing is sent in clear.
    await expect(get(g.apiPort!, '/healthz', undefined)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    // Plain HTTP to the HTTPS port gets no answer of the API.
    const plain = await fetch(`http://127.0.0.1:${g.apiPort}/healthz`).then((r) => r.status, (err: Error) => err.name);
    expect(plain).not.toBe(200);
  });

  it('serves a renewed certificate after a reload and keeps the previous one when the new files are broken', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const ca = makeCa(dir.path);
    const served = makeServerCert(dir.path, ca, 'served');
    const g = await start(dir.path, served);
    const first = await servedFingerprint(g.apiPort!, ca.certFile);

    const renewed = makeServerCert(dir.path, ca, 'renewed', 30);
    copyFileSync(renewed.certFile, served.certFile);
    copyFileSync(renewed.keyFile, served.keyFile);
    const reload = g.reloadApiTls();
    expect(reload).toMatchObject({ ok: true, subject: 'CN=localhost' });
    const second = await servedFingerprint(g.apiPort!, ca.certFile);
    expect(second).not.toBe(first);
    expect(second).toBe((reload as { fingerprint256: string }).fingerprint256);

    writeFileSync(served.keyFile, 'not a key');
    const broken = g.reloadApiTls();
    expect(broken).toEqual({ ok: false, problems: [expect.stringMatching(/^api\.tls\.keyFile: /)] });
    expect(await servedFingerprint(g.apiPort!, ca.certFile)).toBe(second);
    expect((await get(g.apiPort!, '/healthz', ca.certFile)).status).toBe(200);
  });

  it('refuses to start with a missing key file, naming api.tls.keyFile', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const ca = makeCa(dir.path);
    const cert = makeServerCert(dir.path, ca);
    const config = testConfig(dir.path, (c) => void (c.api = { ...c.api, tls: { certFile: cert.certFile, keyFile: join(dir.path, 'absent.key') } }));
    const started = startTestGateway(config);
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toMatchObject({ problems: [{ path: 'api.tls.keyFile', message: expect.stringMatching(/cannot read the private key .*absent\.key: no such file/) }] });
  });
});
