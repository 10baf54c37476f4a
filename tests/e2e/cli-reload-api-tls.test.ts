// A renewed API certificate (api.tls) reaches a running `shaobing start` on SIGHUP: new HTTPS
// handshakes get it, the gateway logs what it serves, nothing restarts. Needs `npm run build`.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { demoConfig } from '../../gateway/src/config/demo.js';
import { tempDir } from '../support/tmp.js';
import { eventually } from '../support/gateway.js';
import { cliMissing, CLI } from '../support/gateway-process.js';
import { renewableCert, startCli } from '../support/cert-reload.js';
import { makeCa, makeServerCert, servedFingerprint } from '../support/tls.js';

describe('SIGHUP re-reads the API certificate', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('serves the renewed certificate to new HTTPS handshakes without a restart', async () => {
    expect(cliMissing()).toBeNull();
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const { ca, certFile, keyFile, renew } = renewableCert(dir.path, 'api');
    const file = join(dir.path, 'shaobing.yaml');
    writeFileSync(file, stringify({ ...demoConfig(), broker: { port: 0 }, api: { port: 0, tls: { certFile, keyFile } }, storage: { dataDir: join(dir.path, 'data') } }));

    const { child, out: output, line } = startCli(file, dir.path, cleanups);
    const ready = JSON.parse(await eventually(() => line('shaobing gateway ready'), 15_000, `ready:\n${output()}`)) as { apiPort: number };
    const before = await servedFingerprint(ready.apiPort, ca.certFile);

    const at = output().length;
    renew();
    child.kill('SIGHUP');
    const reloaded = JSON.parse(await eventually(() => line('API HTTPS certificate reloaded', at), 10_000, `reload line:\n${output().slice(at)}`)) as { fingerprint256: string };
    const after = await servedFingerprint(ready.apiPort, ca.certFile);
    expect(after).not.toBe(before);
    expect(reloaded.fingerprint256).toBe(after);
    expect(child.exitCode).toBeNull();
  });

  it('check-config checks the API certificate files as start would, and names the HTTPS address', () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const ca = makeCa(dir.path);
    const cert = makeServerCert(dir.path, ca);
    const write = (keyFile: string) => {
      const file = join(dir.path, 'shaobing.yaml');
      writeFileSync(file, stringify({ ...demoConfig(), api: { port: 8443, tls: { certFile: cert.certFile, keyFile } }, storage: { dataDir: join(dir.path, 'data') } }));
      return spawnSync(process.execPath, [CLI, 'check-config', '--config', file], { encoding: 'utf8', timeout: 20_000 });
    };
    const good = write(cert.keyFile);
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^ {2}api: https:\/\/127\.0\.0\.1:8443, CN=localhost \(DNS:localhost, IP Address:127\.0\.0\.1\), valid to /m);
    const bad = write(ca.certFile);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/api\.tls\.keyFile: .*holds a certificate \(are certFile and keyFile swapped\?\)/);
  });
});
