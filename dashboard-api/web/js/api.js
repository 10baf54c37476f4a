// Calls to /api/v1 with the bearer token. A refusal becomes an ApiError carrying the server's own
// message, so the page can show an officer exactly why (e.g. a lift refused while red).

import { getToken } from './token.js';

export class ApiError extends Error {
  constructor(status, message, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    /** The answer's other fields (a refused lift's `missing`), for words in the page's language. */
    this.body = body;
  }
}

const unauthorizedListeners = new Set();

/** Called on any 401 with the answer's body: the token is missing, unknown or revoked, or the
 * session expired or ended (body.reason). */
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page: keep its status, say it plainly.
    data = { message: `${res.status} ${res.statusText}` };
  }
  if (!res.ok) {
    if (res.status === 401) for (const listener of unauthorizedListeners) listener(data);
    throw new ApiError(res.status, data?.message ?? `${res.status} ${res.statusText}`, data);
  }
  return data;
}

/** The file's own name from `filename*=UTF-8''…` (RFC 5987), else the plain `filename="…"`. */
export function fileNameOf(disposition) {
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? '');
  if (utf8) return decodeURIComponent(utf8[1]);
  return /filename="([^"]+)"/i.exec(disposition ?? '')?.[1] ?? 'export';
}

/** Fetches a file with the token and hands it to the browser as a download under its own name. */
export async function download(path) {
  const headers = {};
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(`/api/v1${path}`, { headers });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).message ?? message;
    } catch {
      // not JSON (a proxy's page): the status says it
    }
    if (res.status === 401) for (const listener of unauthorizedListeners) listener();
    throw new ApiError(res.status, message);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = fileNameOf(res.headers.get('content-disposition'));
  document.body.append(a);
  a.click();
  a.remove();
  // After the browser has taken the file; revoking at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body = {}) => request('POST', path, body),
  patch: (path, body = {}) => request('PATCH', path, body),
  put: (path, body = {}) => request('PUT', path, body),
  del: (path) => request('DELETE', path),
};

/** A query string from the defined entries of `params`. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
