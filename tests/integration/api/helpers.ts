// The API under test: the real gateway (embedded broker, SQLite files) on free loopback ports,
// with one bootstrap token per role seeded from config (only their SHA-256 is in the config).

import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { hashToken, type Role } from '../../../dashboard-api/src/token-store.js';
import { DEMO_SITE, startTestGateway, testConfig } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';
import type { RunningGateway } from '../../support/fixture.js';

export const TOKENS: Record<Role, string> = {
  viewer: 'sb_test-viewer-0123456789abcdefghijklmnopqrstuvwxyz',
  owner: 'sb_test-owner-0123456789abcdefghijklmnopqrstuvwxyz',
  officer: 'sb_test-officer-0123456789abcdefghijklmnopqrstuvwxyz',
  admin: 'sb_test-admin-0123456789abcdefghijklmnopqrstuvwxyz',
};

/** The token's name in the audit log and in `by` fields. */
export const NAMES: Record<Role, string> = { viewer: 'viewer Zhao', owner: 'owner Chen', officer: 'officer Li', admin: 'admin Wang' };


export function bearer(role: Role): Record<string, string> {
  return { authorization: `Bearer ${TOKENS[role]}` };
}

/** Starts a gateway with the three role tokens and generous limits (tests that need tight ones patch them). */
export async function startApiGateway(patch: (input: ConfigInput) => void = () => {}, clock?: () => number): Promise<{ gateway: RunningGateway; dir: ReturnType<typeof tempDir>; stop(): Promise<void> }> {
  const dir = tempDir();
  const config = testConfig(dir.path, (input) => {
    input.api = {
      ...input.api,
      // The owner's one site is the demo kitchen.
      bootstrapTokens: (Object.keys(TOKENS) as Role[]).map((role) => ({ name: NAMES[role], role, tokenHash: hashToken(TOKENS[role]), ...(role === 'owner' ? { scope: `site:${DEMO_SITE}` } : {}) })),
      rateLimit: { max: 100_000, windowS: 60 },
      authFailureLimit: { max: 100_000, windowS: 60 },
    };
    patch(input);
  });
  const gateway = await startTestGateway(config, clock);
  return {
    gateway,
    dir,
    async stop() {
      await gateway.stop();
      dir.remove();
    },
  };
}

export async function call(g: RunningGateway, role: Role | null, options: InjectOptions): Promise<LightMyRequestResponse> {
  return g.api!.inject({ ...options, headers: { ...(role ? bearer(role) : {}), ...(options.headers ?? {}) } });
}
