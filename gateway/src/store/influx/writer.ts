// What the shipper needs from InfluxDB, whichever API version serves it.

import type { QuerySeries } from './http.js';

export interface InfluxWriter {
  readonly api: 'v1' | 'v2';
  /** Prepares the target once (1.x: CREATE DATABASE; 2.x: the DBRP mapping for InfluxQL). */
  prepare(): Promise<void>;
  /** Posts lines (ms precision). Throws InfluxRetryable or InfluxRejected; resolves only on 2xx. */
  write(lines: readonly string[]): Promise<void>;
  /** Runs InfluxQL through `/query` (epoch=ms). */
  query(influxql: string): Promise<QuerySeries[]>;
}

/** InfluxQL string literal: single quotes and backslashes escaped. */
export function quoteLiteral(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** InfluxQL identifier (database, measurement) in double quotes. */
export function quoteIdent(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
