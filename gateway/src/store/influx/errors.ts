// What a write to InfluxDB can end in, as the shipper must act on it (after influxdb-client-js
// src/errors.ts: an error says whether it can be retried). Retryable: the network, 429, 5xx, and
// the configuration errors 401/403/404 (a wrong token or a missing database is fixed by a person,
// and the spool bound keeps the wait finite). Rejected: any other 4xx — the data itself is bad
// (a partial write past max-values-per-tag, a field type conflict, a parse error), so sending it
// again can never succeed.

import { ShaobingError } from '../../errors.js';

export class InfluxRetryable extends ShaobingError {
  constructor(
    message: string,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super('INFLUX_UNAVAILABLE', message, options);
  }
}

export class InfluxRejected extends ShaobingError {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super('INFLUX_REJECTED', message);
  }
}

/** Configuration errors keep the data: a person fixes the token or creates the database. */
const CONFIG_STATUSES = new Set([401, 403, 404]);

export function classifyResponse(status: number, body: string, what: string): InfluxRetryable | InfluxRejected | null {
  if (status >= 200 && status < 300) return null;
  const detail = body.slice(0, 500).trim();
  if (status === 429 || status >= 500 || CONFIG_STATUSES.has(status) || status < 400) {
    return new InfluxRetryable(`${what}: HTTP ${status} ${detail}`, status);
  }
  return new InfluxRejected(`${what}: HTTP ${status} ${detail}`, status, detail);
}
