// HTTPS for the API and the page (api.tls): the certificate and key are read and checked as the
// broker's are (broker/src/tls-context.ts), so a missing file, a swapped pair or a key that is not
// the certificate's stops the start with the config field and the fix, never an OpenSSL code at an
// officer's first page load. A reload (SIGHUP) swaps the context of the running server: open
// connections keep theirs, new handshakes get the new certificate, nothing restarts.

import type { Server as HttpsServer } from 'node:https';
import type { SecureContextOptions, SecureVersion } from 'node:tls';
import { loadTlsContext } from '../../broker/src/tls-context.js';
import { ConfigError } from '../../gateway/src/errors.js';

export interface ApiTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  readonly minVersion: SecureVersion;
}

/** What a reload did: the certificate now served, or why the previous one stays. */
export type ApiTlsReload =
  | { readonly ok: true; readonly subject: string; readonly validTo: Date; readonly fingerprint256: string }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The options for fastify's `https`; a ConfigError naming `api.tls.<field>` when a file is unusable. */
export function apiTlsOptions(tls: ApiTlsConfig): SecureContextOptions {
  const loaded = loadTlsContext({ certFile: tls.certFile, keyFile: tls.keyFile }, tls.minVersion);
  if (!loaded.ok) throw new ConfigError(loaded.problems.map((p) => ({ path: `api.tls.${p.field}`, message: p.message })));
  return loaded.options;
}

/** When the certificate in the files expires (they were checked at start: undefined if unreadable now). */
export function apiTlsValidTo(tls: ApiTlsConfig): Date | undefined {
  const loaded = loadTlsContext({ certFile: tls.certFile, keyFile: tls.keyFile }, tls.minVersion);
  return loaded.ok ? loaded.served.validTo : undefined;
}

/** Re-reads the files and, when they are good, serves them to every new connection. */
export function reloadApiTls(server: HttpsServer, tls: ApiTlsConfig): ApiTlsReload {
  const loaded = loadTlsContext({ certFile: tls.certFile, keyFile: tls.keyFile }, tls.minVersion);
  if (!loaded.ok) return { ok: false, problems: loaded.problems.map((p) => `api.tls.${p.field}: ${p.message}`) };
  server.setSecureContext(loaded.options);
  return { ok: true, subject: loaded.served.subject, validTo: loaded.served.validTo, fingerprint256: loaded.served.fingerprint256 };
}
