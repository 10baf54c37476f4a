// Behind a reverse proxy (the way to HTTPS) every officer arrives from the proxy's address: one
// client guessing tokens there locked every officer out. With api.trustedProxies the limit on
// failed authentications counts the client X-Forwarded-For names; from anyone else the header
// is ignored, so a client cannot pick the address it is counted under.

import { afterEach, describe, expect, it } from 'vitest';
import { apiSchema } from '../../../gateway/src/config/schema.js';
import { startApiGateway, TOKENS } from './helpers.js';

type Env = Awaited<ReturnType<typeof startApiGateway>>;

async function get(env: Env, token: string, forwardedFor: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${env.gateway.apiPort}/api/v1/me`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor } });
  await res.arrayBuffer();
  return res.status;
}

describe('API behind a trusted reverse proxy', () => {
  let env: Env | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  it('accepts a valid token from one client while another client behind the same proxy is refused for guessing', async () => {
    env = await startApiGateway((input) => {
      input.api = { ...input.api, authFailureLimit: { max: 3, windowS: 60 }, trustedProxies: ['127.0.0.1', '::1'] };
    });
    const guesses: number[] = [];
    for (let i = 0; i < 5; i++) guesses.push(await get(env, `sb_guess-${i}`, '203.0.113.5'));
    expect(guesses).toEqual([401, 401, 401, 429, 429]);
    expect(await get(env, TOKENS.officer, '203.0.113.9')).toBe(200);
    // The guesser itself stays refused, whatever token it sends next.
    expect(await get(env, TOKENS.officer, '203.0.113.5')).toBe(429);
  });

  it('ignores X-Forwarded-For from an address it does not trust: a guesser cannot escape its limit by naming another client', async () => {
    env = await startApiGateway((input) => {
      input.api = { ...input.api, authFailureLimit: { max: 3, windowS: 60 } };
    });
    const guesses: number[] = [];
    for (let i = 0; i < 5; i++) guesses.push(await get(env, `sb_guess-${i}`, `203.0.113.${i}`));
    expect(guesses).toEqual([401, 401, 401, 429, 429]);
  });

  it('refuses a trusted proxy that is not an address or range, naming the field', () => {
    const parsed = apiSchema.safeParse({ trustedProxies: ['proxy.example.cn'] });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('trustedProxies');
    expect(apiSchema.safeParse({ trustedProxies: ['10.0.0.0/8', 'fd00::/8', '127.0.0.1'] }).success).toBe(true);
    expect(apiSchema.safeParse({ trustedProxies: ['10.0.0.0/33'] }).success).toBe(false);
  });
});
