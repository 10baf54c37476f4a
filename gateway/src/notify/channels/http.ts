// The HTTP send every web channel shares: a timeout, the status and the answer read as JSON when
// it is JSON. 5xx, 429 and network errors are worth a retry; other 4xx are not.

import { DeliveryError } from './channel.js';

export interface HttpAnswer {
  status: number;
  body: string;
  json: unknown;
}

export async function httpSend(
  url: string,
  init: { method: 'POST' | 'GET'; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: init.headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(init.timeoutMs),
    });
  } catch (err) {
    throw new DeliveryError(`cannot reach ${redactUrl(url)}: ${(err as Error).message}`, true, { cause: err });
  }
  const body = await res.text();
  if (!res.ok) {
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    throw new DeliveryError(`${redactUrl(url)} answered HTTP ${res.status}: ${body.slice(0, 200)}`, retryable);
  }
  let json: unknown = undefined;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      json = JSON.parse(body);
    } catch (err) {
      throw new DeliveryError(`${redactUrl(url)} answered malformed JSON`, true, { cause: err });
    }
  }
  return { status: res.status, body, json };
}

/** Robot URLs carry their access token in the query: never log it. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}

/** DingTalk and WeCom answer HTTP 200 with `{errcode, errmsg}`; anything but errcode 0 failed. */
export function checkErrcode(answer: HttpAnswer, who: string): void {
  const j = answer.json as { errcode?: unknown; errmsg?: unknown } | undefined;
  if (j === undefined || typeof j !== 'object' || j === null) throw new DeliveryError(`${who} answered without errcode: ${answer.body.slice(0, 200)}`, true);
  if (j.errcode !== 0) {
    // Their rate limits (e.g. DingTalk 130101, WeCom 45009) pass with time; a bad token does not,
    // but a retry is cheap and the admin alarm follows the last attempt either way.
    throw new DeliveryError(`${who} refused: errcode ${String(j.errcode)} ${String(j.errmsg ?? '')}`, true);
  }
}
