// Throwaway certificates for TLS tests, made with the openssl command line as an operator would
// (docs/operations.md): a CA, a server certificate for localhost/127.0.0.1, device certificates.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import Database from 'better-sqlite3';
import { journalPath } from '../../gateway/src/store/journal-db.js';
import { connectClient } from './mqtt.js';

export interface Pem {
  readonly certFile: string;
  readonly keyFile: string;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA named `name` in `dir` (P-256: fast to make; docs/operations.md shows RSA too). */
export function makeCa(dir: string, name = 'ca'): Pem {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=Shaobing test ${name}`]);
  return { certFile, keyFile };
}

/**
 * A certificate signed by `ca`, with subject CN `cn` (escape `/` as `\/`, as openssl -subj wants)
 * and, for a server, its subjectAltName.
 */
export function makeCert(dir: string, ca: Pem, name: string, cn: string, subjectAltName?: string, days = 2): Pem {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${cn}`]);
  writeFileSync(ext, subjectAltName ? `subjectAltName=${subjectAltName}\n` : 'basicConstraints=CA:FALSE\n');
  openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile, '-days', String(days), '-extfile', ext]);
  return { certFile, keyFile };
}

/** A server certificate that localhost and 127.0.0.1 verify against, valid for `days`. */
export function makeServerCert(dir: string, ca: Pem, name = 'server', days = 2): Pem {
  return makeCert(dir, ca, name, 'localhost', 'DNS:localhost,IP:127.0.0.1', days);
}

/** The fingerprint of the certificate the server on `port` shows a new handshake (trusting the CA file `ca`). */
export function servedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', servername: 'localhost', port, ca: readFileSync(ca) }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.destroy();
    });
    s.once('error', reject);
  });
}

/** Resolves to 'connected', or to `refused <code>: <message>` for the error the attempt ended with
 * (a CONNACK return code, or the TLS error of a failed handshake). */
export async function connectOutcome(url: string, options: Parameters<typeof connectClient>[1]): Promise<string> {
  try {
    const c = await connectClient(url, { connectTimeout: 3000, ...options });
    await c.endAsync(true);
    return 'connected';
  } catch (err) {
    const e = err as { code?: string | number; message: string };
    return `refused ${String(e.code)}: ${e.message}`;
  }
}

/** The journal row of `site/device`'s reading `seq` in `dataDir`, or undefined: read right after a
 * PUBACK it shows the ack means on disk. */
export function journalReading(dataDir: string, site: string, device: string, seq: number): unknown {
  const reader = new Database(journalPath(dataDir), { readonly: true });
  try {
    return reader.prepare('SELECT seq FROM reading WHERE site = ? AND device = ? AND seq = ?').get(site, device, seq);
  } finally {
    reader.close();
  }
}
