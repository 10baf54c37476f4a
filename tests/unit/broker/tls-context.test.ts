// broker/src/tls-context.ts on files made with openssl: every file an operator can get wrong comes
// back as a problem naming the field and the fix, and a good pair reports what it will serve.
// certificateLogin (cert-login.ts): the CN is the username, and the accounts decide.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTlsContext } from '../../../broker/src/tls-context.js';
import { certificateLogin } from '../../../broker/src/cert-login.js';
import type { Identity } from '../../../broker/src/auth.js';
import { tempDir } from '../../support/tmp.js';
import { makeCa, makeServerCert, type Pem } from '../../support/tls.js';

describe('loadTlsContext', () => {
  let dir: ReturnType<typeof tempDir>;
  let ca: Pem;
  let server: Pem;

  beforeAll(() => {
    dir = tempDir();
    ca = makeCa(dir.path);
    server = makeServerCert(dir.path, ca);
  });
  afterAll(() => dir?.remove());

  it('reports the subject, subjectAltName, expiry and the client CAs of a good set', () => {
    const bundle = join(dir.path, 'bundle.crt');
    const second = makeCa(dir.path, 'second');
    writeFileSync(bundle, execFileSync('cat', [ca.certFile, second.certFile]));
    const loaded = loadTlsContext({ ...server, caFile: bundle }, 'TLSv1.2');
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.served).toMatchObject({ subject: 'CN=localhost', subjectAltName: 'DNS:localhost, IP Address:127.0.0.1', clientCas: 2 });
    expect(loaded.served.validTo.getTime()).toBeGreaterThan(Date.now());
    expect(loaded.options.minVersion).toBe('TLSv1.2');
  });

  it('refuses an encrypted key with the command that decrypts it', () => {
    const encrypted = join(dir.path, 'encrypted.key');
    execFileSync('openssl', ['pkey', '-in', server.keyFile, '-aes256', '-passout', 'pass:secret', '-out', encrypted]);
    const loaded = loadTlsContext({ certFile: server.certFile, keyFile: encrypted }, 'TLSv1.2');
    expect(loaded).toEqual({ ok: false, problems: [{ field: 'keyFile', message: expect.stringMatching(/encrypted with a passphrase; .*openssl pkey -in .*encrypted\.key/) }] });
  });

  it('refuses a DER certificate with the conversion command', () => {
    const der = join(dir.path, 'server.der');
    execFileSync('openssl', ['x509', '-in', server.certFile, '-outform', 'der', '-out', der]);
    const loaded = loadTlsContext({ certFile: der, keyFile: server.keyFile }, 'TLSv1.2');
    expect(loaded).toEqual({ ok: false, problems: [{ field: 'certFile', message: expect.stringContaining('openssl x509 -inform der') }] });
  });

  it('lists every problem of one set at once: missing certificate, missing key, missing CA', () => {
    const nope = (f: string) => join(dir.path, f);
    const loaded = loadTlsContext({ certFile: nope('a.crt'), keyFile: nope('a.key'), caFile: nope('missing-ca.crt') }, 'TLSv1.3');
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.problems.map((p) => p.field)).toEqual(['certFile', 'keyFile', 'caFile']);
  });
});

describe('certificateLogin', () => {
  const gas: Identity = { role: 'device', site: 'kitchen-01' as never, device: 'gas-01' as never };
  const accounts = { identify: (u: string) => (u === 'kitchen-01/gas-01' ? gas : undefined) };

  it.each([
    ['no username', 'kitchen-01/gas-01', undefined, { ok: true, identity: gas }],
    ['an empty username', 'kitchen-01/gas-01', '', { ok: true, identity: gas }],
    ['its own name', 'kitchen-01/gas-01', 'kitchen-01/gas-01', { ok: true, identity: gas }],
    ['another device’s name', 'kitchen-01/gas-01', 'kitchen-01/valve-01', { ok: false, reason: 'certificate_mismatch' }],
    ['a CN the accounts do not know', 'kitchen-01/ghost', undefined, { ok: false, reason: 'unknown_user' }],
  ] as const)('with %s', (_what, cn, username, expected) => {
    expect(certificateLogin(cn, username, accounts)).toEqual(expected);
  });
});
