// Login by client certificate (mutual TLS): the device CA vouched for the certificate during the
// handshake, and its subject CN is the MQTT username (`site/device`), so no password is checked.
// A removed device is refused here even while its certificate is still valid: the accounts decide.

import type { AuthResult, Identity } from './auth.js';

export type CertificateLoginResult = AuthResult | { readonly ok: false; readonly reason: 'certificate_mismatch'; readonly holdMs?: number };

/**
 * `cn` is the verified certificate's CN; `username` what the CONNECT carried (may be absent).
 * A username that names someone else is refused: one connection, one identity.
 */
export function certificateLogin(cn: string, username: string | undefined, accounts: { identify(username: string): Identity | undefined }): CertificateLoginResult {
  if (username !== undefined && username !== '' && username !== cn) return { ok: false, reason: 'certificate_mismatch' };
  const identity = accounts.identify(cn);
  return identity === undefined ? { ok: false, reason: 'unknown_user' } : { ok: true, identity };
}
