// Watches the embedded broker's TLS certificate (and the API's, api.tls) for its expiry: 14 days ahead it raises a gateway
// alarm (orange, notified and escalated like any other), cleared once a renewed certificate is
// served. An expired certificate stops every device that checks it from reconnecting, so the
// whole fleet would fall silent on one day; a log line alone is read too late.

import type { SystemAlarms } from '../alarms/system-alarms.js';
import type { Ingress } from '../ingest/ingress.js';
import type { Part } from './part.js';
import type { GatewayCondition } from '../contract/alarm-kind.js';

/** Renewal tools act 30 days ahead (certbot, cert-manager at two thirds of 90 days): an alarm at 14
 * days means the renewal did not happen. */
export const TLS_EXPIRY_ALARM_DAYS = 14;
const DAY_MS = 86_400_000;
/** Reloads happen at any time (SIGHUP, a changed file): checking each minute costs a field read. */
const CHECK_EVERY_MS = 60_000;
const PART = 'mqtt-tls';

/** Whole days left before `validToMs` (0 once expired), and whether that is inside the alarm window. */
export function tlsExpiry(validToMs: number, nowMs: number): { readonly daysLeft: number; readonly alarm: boolean } {
  const leftMs = validToMs - nowMs;
  return { daysLeft: Math.max(0, Math.floor(leftMs / DAY_MS)), alarm: leftMs < TLS_EXPIRY_ALARM_DAYS * DAY_MS };
}

export function tlsExpiryWatch(ingress: Ingress, system: SystemAlarms, clock: () => number): Part {
  return certExpiryWatch({ name: 'tls expiry watch', part: PART, condition: 'tls_cert_expiring', validTo: () => ingress.tlsValidTo?.() }, system, clock);
}

/** A certificate's expiry watch; `check` runs at once (after a reload) besides each minute. */
export interface CertExpiryWatch extends Part {
  check(): void;
}

/** The same watch for any served certificate: the API's HTTPS one (api.tls) too. */
export function certExpiryWatch(
  cert: { readonly name: string; readonly part: string; readonly condition: GatewayCondition; readonly validTo: () => Date | undefined },
  system: SystemAlarms,
  clock: () => number,
): CertExpiryWatch {
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const validTo = cert.validTo();
    if (validTo === undefined) return;
    const { daysLeft, alarm } = tlsExpiry(validTo.getTime(), clock());
    if (alarm) system.raise(cert.part, cert.condition, daysLeft);
    else system.clear(cert.part, cert.condition, daysLeft);
  };
  return {
    name: cert.name,
    check,
    start: () => {
      check();
      timer = setInterval(check, CHECK_EVERY_MS);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}
