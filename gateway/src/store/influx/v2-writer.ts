// InfluxDB 2.x / 3.x / Cloud: plain HTTP to `/api/v2/write` with a token, and InfluxQL through
// the 1.x-compatible `/query`, which needs a DBRP mapping from database name to bucket; prepare()
// creates it at startup when it is missing (`/api/v2/dbrps`).
//
// Why not @influxdata/influxdb-client's WriteApi: it keeps its own buffer (maxBufferLines 32 000,
// dropping the oldest), its own retries (5, at most 180 s) and only logs what `close()` drops
// (influxdb-client-js 1.x). The journal is our spool, so the shipper needs one request whose
// outcome it classifies itself; with retries off, WriteApi is that same POST behind two layers of buffering.
// Plain fetch shares the request and error classification with the 1.x path. Not testable on this
// machine (no 2.x server, no Docker engine); the v2 integration variant runs where Docker exists.

import { ensureOk, InfluxRejected, parseQueryResult, request } from './http.js';
import type { InfluxWriter } from './writer.js';

export interface V2Options {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly bucket: string;
  /** The InfluxQL database name mapped to the bucket; defaults to the bucket's name. */
  readonly database?: string | undefined;
  readonly timeoutMs?: number;
}

export class V2Writer implements InfluxWriter {
  readonly api = 'v2' as const;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly database: string;

  constructor(private readonly options: V2Options) {
    this.base = options.url.replace(/\/+$/, '');
    this.headers = { authorization: `Token ${options.token}` };
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.database = options.database ?? options.bucket;
  }

  async prepare(): Promise<void> {
    const { org, bucket } = this.options;
    const get = async (path: string, what: string): Promise<unknown> =>
      JSON.parse(ensureOk(await request(`${this.base}${path}`, { method: 'GET', headers: this.headers, timeoutMs: this.timeoutMs }, what), what).body) as unknown;
    const orgs = (await get(`/api/v2/orgs?org=${encodeURIComponent(org)}`, 'InfluxDB 2.x find org')) as { orgs?: { id: string }[] };
    const orgId = orgs.orgs?.[0]?.id;
    if (!orgId) throw new InfluxRejected(`InfluxDB 2.x has no organization ${org}`, 404, '');
    const buckets = (await get(`/api/v2/buckets?orgID=${orgId}&name=${encodeURIComponent(bucket)}`, 'InfluxDB 2.x find bucket')) as { buckets?: { id: string }[] };
    const bucketId = buckets.buckets?.[0]?.id;
    if (!bucketId) throw new InfluxRejected(`InfluxDB 2.x has no bucket ${bucket} in ${org}`, 404, '');
    const dbrps = (await get(`/api/v2/dbrps?orgID=${orgId}&db=${encodeURIComponent(this.database)}`, 'InfluxDB 2.x list DBRP')) as { content?: { bucketID: string }[] };
    if ((dbrps.content ?? []).some((m) => m.bucketID === bucketId)) return;
    const body = JSON.stringify({ orgID: orgId, bucketID: bucketId, database: this.database, retention_policy: 'autogen', default: true });
    ensureOk(await request(`${this.base}/api/v2/dbrps`, { method: 'POST', headers: { ...this.headers, 'content-type': 'application/json' }, body, timeoutMs: this.timeoutMs }, 'InfluxDB 2.x create DBRP'), 'InfluxDB 2.x create DBRP');
  }

  async write(lines: readonly string[]): Promise<void> {
    const q = new URLSearchParams({ org: this.options.org, bucket: this.options.bucket, precision: 'ms' });
    const res = await request(`${this.base}/api/v2/write?${q.toString()}`, { method: 'POST', headers: { ...this.headers, 'content-type': 'text/plain; charset=utf-8' }, body: lines.join('\n'), timeoutMs: this.timeoutMs }, 'InfluxDB 2.x write');
    ensureOk(res, `InfluxDB 2.x write of ${lines.length} points`);
  }

  async query(influxql: string): Promise<ReturnType<typeof parseQueryResult>> {
    const params = new URLSearchParams({ db: this.database, epoch: 'ms', q: influxql });
    const res = ensureOk(await request(`${this.base}/query?${params.toString()}`, { method: 'GET', headers: this.headers, timeoutMs: this.timeoutMs }, 'InfluxDB 2.x query'), 'InfluxDB 2.x query');
    return parseQueryResult(res.body, 'InfluxDB 2.x query');
  }
}
