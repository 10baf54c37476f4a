// Reads the broker's TLS certificate, key and optional client CA from PEM files and checks them
// before they are served: a missing file, a key that is not the certificate's, or a swapped pair
// comes back as a problem naming the file's field and the fix, never as an OpenSSL code at a
// device's first handshake.

import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { createSecureContext, type SecureContextOptions, type SecureVersion } from 'node:tls';

export interface TlsFiles {
  /** The server certificate in PEM, followed by its intermediate certificates (the chain devices need). */
  readonly certFile: string;
  /** The server's private key in PEM, unencrypted. */
  readonly keyFile: string;
  /** CA certificates in PEM that sign device client certificates (mutual TLS); absent: none asked for. */
  readonly caFile?: string | undefined;
}

export interface TlsProblem {
  readonly field: 'certFile' | 'keyFile' | 'caFile';
  /** What is wrong and what to do, in one sentence. */
  readonly message: string;
}

/** What a loaded certificate is, for the log line at start and on every reload. */
export interface ServedCertificate {
  readonly subject: string;
  readonly subjectAltName: string | undefined;
  readonly validTo: Date;
  readonly fingerprint256: string;
  /** How many CA certificates were read from caFile (0 without one). */
  readonly clientCas: number;
}

export type TlsLoad =
  | { readonly ok: true; readonly options: SecureContextOptions; readonly served: ServedCertificate }
  | { readonly ok: false; readonly problems: readonly TlsProblem[] };

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const MAKE_ONE = 'docs/operations.md, MQTT over TLS, shows how';

function readPem(path: string, field: TlsProblem['field'], what: string, problems: TlsProblem[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied for the gateway user' : (err as Error).message;
    problems.push({ field, message: `cannot read ${what} ${path}: ${why} (give the path of a PEM file the gateway can read)` });
    return undefined;
  }
}

function certificates(pem: string): X509Certificate[] {
  // X509Certificate parses only the first block: split the bundle so each one is checked.
  return (pem.match(PEM_CERT) ?? []).map((block) => new X509Certificate(block));
}

function parseCerts(pem: string, path: string, field: TlsProblem['field'], problems: TlsProblem[]): X509Certificate[] | undefined {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem) && !pem.includes('-----BEGIN CERTIFICATE-----')) {
    const hint = field === 'caFile' ? "give the CA's certificate; its key stays with whoever signs device certificates" : 'are certFile and keyFile swapped?';
    problems.push({ field, message: `${path} holds a private key, not a certificate (${hint})` });
    return undefined;
  }
  try {
    const certs = certificates(pem);
    if (certs.length > 0) return certs;
    problems.push({ field, message: `${path} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"); convert a DER file with \`openssl x509 -inform der -in FILE -out FILE.pem\`` });
  } catch (err) {
    problems.push({ field, message: `${path} holds a certificate that cannot be parsed (${(err as Error).message}); make a new one (${MAKE_ONE})` });
  }
  return undefined;
}

function parseKey(pem: string, path: string, problems: TlsProblem[]): KeyObject | undefined {
  if (/ENCRYPTED/.test(pem)) {
    // A passphrase would have to sit in the config next to the file: no safer than an unencrypted key with mode 0600.
    problems.push({ field: 'keyFile', message: `${path} is encrypted with a passphrase; store it decrypted with mode 0600: \`openssl pkey -in ${path} -out server.key\`` });
    return undefined;
  }
  try {
    return createPrivateKey(pem);
  } catch (err) {
    const hint = /BEGIN CERTIFICATE/.test(pem) ? 'it holds a certificate (are certFile and keyFile swapped?)' : `not a PEM private key: ${(err as Error).message}`;
    problems.push({ field: 'keyFile', message: `${path}: ${hint}` });
    return undefined;
  }
}

/**
 * Loads and checks the files. `minVersion` is part of the options so that a reload
 * (tls.Server.setSecureContext) keeps it.
 */
export function loadTlsContext(files: TlsFiles, minVersion: SecureVersion): TlsLoad {
  const problems: TlsProblem[] = [];
  const certPem = readPem(files.certFile, 'certFile', 'the certificate', problems);
  const keyPem = readPem(files.keyFile, 'keyFile', 'the private key', problems);
  const caPem = files.caFile === undefined ? undefined : readPem(files.caFile, 'caFile', 'the client CA bundle', problems);
  const chain = certPem === undefined ? undefined : parseCerts(certPem, files.certFile, 'certFile', problems);
  const key = keyPem === undefined ? undefined : parseKey(keyPem, files.keyFile, problems);
  const cas = caPem === undefined || files.caFile === undefined ? [] : (parseCerts(caPem, files.caFile, 'caFile', problems) ?? []);
  const leaf = chain?.[0];
  if (leaf && key) {
    if (!leaf.checkPrivateKey(key)) {
      const laterMatch = chain.slice(1).some((c) => c.checkPrivateKey(key));
      problems.push({
        field: 'keyFile',
        message: laterMatch
          ? `the key in ${files.keyFile} belongs to a later certificate of ${files.certFile}: put the server's own certificate first, then its intermediates`
          : `the key in ${files.keyFile} does not match the certificate in ${files.certFile} (give the key made with that certificate, or make a new pair: ${MAKE_ONE})`,
      });
    }
  }
  if (problems.length > 0 || !leaf || !certPem || !keyPem) return { ok: false, problems };
  const options: SecureContextOptions = { cert: certPem, key: keyPem, minVersion, ...(caPem !== undefined ? { ca: caPem } : {}) };
  try {
    createSecureContext(options); // what OpenSSL itself still refuses (e.g. a key too weak for its security level)
  } catch (err) {
    return { ok: false, problems: [{ field: 'certFile', message: `OpenSSL refuses ${files.certFile} with ${files.keyFile}: ${(err as Error).message}` }] };
  }
  return {
    ok: true,
    options,
    served: { subject: leaf.subject, subjectAltName: leaf.subjectAltName, validTo: leaf.validToDate, fingerprint256: leaf.fingerprint256, clientCas: cas.length },
  };
}
