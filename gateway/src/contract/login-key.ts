// The key a signed-login device and the broker both sign with (broker/src/signed-login.ts). It
// lives in the contract because three sides derive it: the device, the broker's command line, and
// the gateway's provisioning, which stores this key and never the secret.

import { createHmac } from 'node:crypto';

/**
 * The key both sides sign with, derived from the device's secret and bound to its username:
 * the broker's config holds this, never the raw secret (`shaobing` config `loginKey`). It still
 * lets whoever reads it log in as that one device (any HMAC verifier must hold a signing key),
 * but it is useless for any other device or for whatever else the secret was provisioned for.
 */
export function deriveLoginKey(secret: string, username: string): Buffer {
  return createHmac('sha256', secret).update(`shaobing/mqtt-login/v1|${username}`).digest();
}
