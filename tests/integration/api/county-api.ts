// A started gateway with two counties (tests/support/regions.ts), its API's base address, a
// session of an officer of county A logged in with name and password, and a JSON call helper:
// what the ledger and inspection API tests each set up the same way.

import { expect } from 'vitest';
import { REGION_A, twoCounties } from '../../support/regions.js';
import { startApiGateway, TOKENS } from './helpers.js';

type Json = Record<string, any>;

export interface CountyApi {
  readonly env: Awaited<ReturnType<typeof startApiGateway>>;
  readonly base: string;
  /** The session token of li.ming, officer of county A. */
  readonly officerA: string;
  http(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json; text: string }>;
}

export async function startCountyApi(): Promise<CountyApi> {
  const env = await startApiGateway(twoCounties);
  const base = `http://127.0.0.1:${env.gateway.apiPort}`;
  async function http(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json; text: string }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Json) : {}, text };
  }
  const made = await http(TOKENS.admin, 'POST', '/api/v1/users', { name: 'li.ming', displayName: '李明', password: 'correct horse battery', role: 'officer', scope: `region:${REGION_A}` });
  expect(made.status, made.text).toBe(200);
  const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'li.ming', password: 'correct horse battery' }) });
  const officerA = ((await login.json()) as Json).token as string;
  return { env, base, officerA, http };
}
