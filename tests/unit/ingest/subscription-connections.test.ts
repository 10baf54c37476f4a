// How many connections take telemetry from an external broker (ingress-from-config.ts), and the
// config's refusals of the shared-subscription settings.

import { describe, expect, it } from 'vitest';
import { subscriptionConnections } from '../../../gateway/src/ingest/ingress-from-config.js';
import { configSchema } from '../../../gateway/src/config/schema.js';
import { testConfig, testConfigInput } from '../../support/gateway.js';

const external = (extra: Record<string, unknown> = {}) =>
  testConfig('/tmp/shaobing-unused', (c) => {
    c.broker = { ...c.broker, mode: 'external', url: 'mqtt://127.0.0.1:1883', ...extra };
  });

describe('subscription connections', () => {
  it('is one plain persistent subscription when the config names none (a shared one loses readings across a broker restart)', () => {
    expect(subscriptionConnections(external())).toBe(1);
  });

  it('takes the configured count', () => {
    expect(subscriptionConnections(external({ subscriptionConnections: 1 }))).toBe(1);
    expect(subscriptionConnections(external({ subscriptionConnections: 12 }))).toBe(12);
  });

  it('is one for the embedded broker, which has a connection per device', () => {
    expect(subscriptionConnections(testConfig('/tmp/shaobing-unused'))).toBe(1);
  });

  it('refuses a group name that is not one topic level, naming the field', () => {
    const input = testConfigInput('/tmp/shaobing-unused', (c) => {
      c.broker = { ...c.broker, mode: 'external', url: 'mqtt://127.0.0.1:1883', sharedGroup: 'a/b' };
    });
    const parsed = configSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain('broker.sharedGroup');
  });

  it('refuses zero connections and a reorder window over 5 s', () => {
    for (const extra of [{ subscriptionConnections: 0 }, { reorderWindowMs: 6_000 }]) {
      const input = testConfigInput('/tmp/shaobing-unused', (c) => {
        c.broker = { ...c.broker, mode: 'external', url: 'mqtt://127.0.0.1:1883', ...extra };
      });
      expect(configSchema.safeParse(input).success).toBe(false);
    }
  });
});
