// The dashboard's SSE stream on a running gateway for the pipeline benchmark: a viewer token
// seeded through config (`api.bootstrapTokens`, only its hash), the URL with `?access_token=`
// (api-contract.md: EventSource cannot set headers), or why there is no stream to watch (the
// latency (c) is then reported as null with that reason).

import { randomBytes } from 'node:crypto';
import { hashToken } from '../dashboard-api/src/token-store.js';
import type { Gateway } from '../gateway/src/compose.js';

export interface StreamAccess {
  readonly url: string | null;
  readonly reason: string | null;
}

export function benchToken(): { token: string; tokenHash: string } {
  const token = `sb_bench_${randomBytes(24).toString('base64url')}`;
  return { token, tokenHash: hashToken(token) };
}

export async function openStream(rt: Gateway, token: string): Promise<StreamAccess> {
  if (rt.apiPort === null) return { url: null, reason: 'the API did not start' };
  const url = `http://127.0.0.1:${rt.apiPort}/api/v1/stream?access_token=${encodeURIComponent(token)}`;
  const probe = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch((err: Error) => err);
  if (probe instanceof Error) return { url: null, reason: `stream probe failed: ${probe.message}` };
  const type = probe.headers.get('content-type') ?? '';
  await probe.body?.cancel();
  if (probe.status === 404) return { url: null, reason: 'no /api/v1/stream route in this build' };
  if (probe.status !== 200 || !type.startsWith('text/event-stream')) return { url: null, reason: `stream answered ${probe.status} (${type}) to a viewer token` };
  return { url, reason: null };
}
