// A renewed broker certificate reaches a running `shaobing start` on SIGHUP (what a certbot deploy
// hook or `systemctl reload` sends): new TLS handshakes get the new certificate, no restart, and
// the gateway logs what it now serves. Needs `npm run build`.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { demoConfig } from '../../gateway/src/config/demo.js';
import { tempDir } from '../support/tmp.js';
import { eventually } from '../support/gateway.js';
import { cliMissing } from '../support/gateway-process.js';
import { renewableCert, startCli } from '../support/cert-reload.js';
import { servedFingerprint } from '../support/tls.js';

describe('SIGHUP re-reads the broker certificate', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('serves the renewed certificate to new handshakes without a restart', async () => {
    expect(cliMissing()).toBeNull();
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const { ca, certFile, keyFile, renew } = renewableCert(dir.path, 'server');
    const file = join(dir.path, 'shaobing.yaml');
    writeFileSync(file, stringify({ ...demoConfig(), broker: { port: 0, tls: { port: 0, certFile, keyFile } }, api: { port: 0 }, storage: { dataDir: join(dir.path, 'data') } }));

    const { child, out: output, line } = startCli(file, dir.path, cleanups);
    const ready = JSON.parse(await eventually(() => line('shaobing gateway ready'), 15_000, `ready:\n${output()}`)) as { brokerPort: number | null; brokerTlsPort: number };
    expect(ready.brokerPort).toBeNull();
    const before = await servedFingerprint(ready.brokerTlsPort, ca.certFile);

    const at = output().length;
    renew();
    child.kill('SIGHUP');
    const reloaded = JSON.parse(await eventually(() => line('mqtt tls certificate reloaded', at), 10_000, `reload line:\n${output().slice(at)}`)) as { fingerprint256: string; validTo: string };
    const after = await servedFingerprint(ready.brokerTlsPort, ca.certFile);
    expect(after).not.toBe(before);
    expect(reloaded.fingerprint256).toBe(after);
    expect(child.exitCode).toBeNull();
  });
});
