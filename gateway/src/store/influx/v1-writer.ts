// InfluxDB 1.x: plain HTTP to `/write?db=&precision=ms` and `/query`. The official client posts
// only to /api/v2/write, which InfluxDB before 1.8 answers with 404 (1.6.7, as Debian ships
// it), hence this path.

import { ensureOk, parseQueryResult, request } from './http.js';
import { quoteIdent, type InfluxWriter } from './writer.js';

export interface V1Options {
  readonly url: string;
  readonly database: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly timeoutMs?: number;
}

export class V1Writer implements InfluxWriter {
  readonly api = 'v1' as const;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(private readonly options: V1Options) {
    this.base = options.url.replace(/\/+$/, '');
    this.headers = {};
    if (options.username !== undefined) {
      this.headers.authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
    }
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async prepare(): Promise<void> {
    // CREATE DATABASE is a no-op when it exists; a non-admin user gets 403, which the first write
    // then reports if the database is really missing.
    const body = new URLSearchParams({ q: `CREATE DATABASE ${quoteIdent(this.options.database)}` }).toString();
    const what = 'InfluxDB 1.x create database';
    ensureOk(await request(`${this.base}/query`, { method: 'POST', headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' }, body, timeoutMs: this.timeoutMs }, what), what);
  }

  async write(lines: readonly string[]): Promise<void> {
    const db = encodeURIComponent(this.options.database);
    const res = await request(`${this.base}/write?db=${db}&precision=ms`, { method: 'POST', headers: { ...this.headers, 'content-type': 'text/plain; charset=utf-8' }, body: lines.join('\n'), timeoutMs: this.timeoutMs }, 'InfluxDB 1.x write');
    ensureOk(res, `InfluxDB 1.x write of ${lines.length} points`);
  }

  async query(influxql: string): Promise<ReturnType<typeof parseQueryResult>> {
    const params = new URLSearchParams({ db: this.options.database, epoch: 'ms', q: influxql });
    const res = ensureOk(await request(`${this.base}/query?${params.toString()}`, { method: 'GET', headers: this.headers, timeoutMs: this.timeoutMs }, 'InfluxDB 1.x query'), 'InfluxDB 1.x query');
    return parseQueryResult(res.body, 'InfluxDB 1.x query');
  }
}
