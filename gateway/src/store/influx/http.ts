// The one HTTP call both writers make: fetch with a timeout, the response read whole, and any
// failure turned into InfluxRetryable or InfluxRejected (errors.ts).

import { classifyResponse, InfluxRetryable, InfluxRejected } from './errors.js';

export interface HttpResult {
  readonly status: number;
  readonly body: string;
}

export async function request(url: string, init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; timeoutMs: number }, what: string): Promise<HttpResult> {
  let res: Response;
  try {
    res = await fetch(url, { method: init.method, headers: init.headers, ...(init.body !== undefined ? { body: init.body } : {}), signal: AbortSignal.timeout(init.timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new InfluxRetryable(`${what}: ${cause?.code ?? (err as Error).message}`, null, { cause: err });
  }
  let body: string;
  try {
    body = await res.text();
  } catch (err) {
    throw new InfluxRetryable(`${what}: response cut off: ${(err as Error).message}`, res.status, { cause: err });
  }
  return { status: res.status, body };
}

/** Throws the classified error unless the response is 2xx. */
export function ensureOk(result: HttpResult, what: string): HttpResult {
  const err = classifyResponse(result.status, result.body, what);
  if (err) throw err;
  return result;
}

export { InfluxRetryable, InfluxRejected };

/** The rows of an InfluxQL answer (1.x JSON): one series' values keyed by column. */
export interface QuerySeries {
  readonly name: string;
  readonly columns: readonly string[];
  readonly values: readonly (readonly unknown[])[];
  readonly tags?: Record<string, string>;
}

export function parseQueryResult(body: string, what: string): QuerySeries[] {
  let json: { results?: { series?: QuerySeries[]; error?: string }[]; error?: string };
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    throw new InfluxRetryable(`${what}: answer is not JSON: ${body.slice(0, 200)}`, null);
  }
  if (json.error) throw new InfluxRejected(`${what}: ${json.error}`, 400, json.error);
  const out: QuerySeries[] = [];
  for (const r of json.results ?? []) {
    if (r.error) throw new InfluxRejected(`${what}: ${r.error}`, 400, r.error);
    out.push(...(r.series ?? []));
  }
  return out;
}
