// Watches the embedded broker's TLS certificate for its expiry: 14 days ahead it raises a gateway
// alarm (orange, notified and escalated like any other), cleared once a renewed certificate is
// served. An expired certificate stops every device that checks it from reconnecting, so the
// whole fleet would fall silent on one day; a log line alone is read too late.

import type { SystemAlarms } from '../alarms/system-alarms.js';
import type { Ingress } from '../ingest/ingress.js';
import type { Part } from './part.js';

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
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const validTo = ingress.tlsValidTo?.();
    if (validTo === undefined) return;
    const { daysLeft, alarm } = tlsExpiry(validTo.getTime(), clock());
    if (alarm) system.raise(PART, 'tls_cert_expiring', daysLeft);
    else system.clear(PART, 'tls_cert_expiring', daysLeft);
  };
  return {
    name: 'tls expiry watch',
    start: () => {
      check();
      timer = setInterval(check, CHECK_EVERY_MS);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}
