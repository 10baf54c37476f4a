// canPublish's fast path for a device's own telemetry topic (broker/src/acl.ts): it answers only
// that exact topic under the prefix it is asked with; everything else still goes through the full
// check.

import { describe, expect, it } from 'vitest';
import { canPublish } from '../../../broker/src/acl.js';
import type { Identity } from '../../../broker/src/auth.js';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';

const gas: Identity = { role: 'device', site: 'kitchen-01' as SiteId, device: 'gas-01' as DeviceId };
const topics = makeTopics();

describe('a device publishing its own telemetry', () => {
  it('is allowed with its parsed topic, again and again', () => {
    for (let i = 0; i < 3; i++) {
      expect(canPublish(gas, 'shaobing/kitchen-01/gas-01/telemetry', topics)).toEqual({ ok: true, parsed: { kind: 'telemetry', site: 'kitchen-01', device: 'gas-01' } });
    }
  });

  it('does not open another device’s topic or another kind once its own was answered', () => {
    expect(canPublish(gas, 'shaobing/kitchen-01/gas-01/telemetry', topics).ok).toBe(true);
    expect(canPublish(gas, 'shaobing/kitchen-01/gas-02/telemetry', topics)).toEqual({ ok: false, reason: 'device kitchen-01/gas-01 may not publish to shaobing/kitchen-01/gas-02/telemetry' });
    expect(canPublish(gas, 'shaobing/kitchen-01/gas-01/cmd', topics).ok).toBe(false);
    expect(canPublish(gas, 'shaobing/kitchen-01/gas-01/status', topics).ok).toBe(true);
    // Same length, one character off anywhere: the full check, and a refusal.
    const own = 'shaobing/kitchen-01/gas-01/telemetry';
    for (let i = 0; i < own.length; i++) {
      const other = own.slice(0, i) + (own[i] === 'x' ? 'y' : 'x') + own.slice(i + 1);
      expect(canPublish(gas, other, topics).ok, other).toBe(false);
    }
  });

  it('answers for the prefix it is asked with, not the first one it saw', () => {
    const acme = makeTopics('acme/shaobing');
    expect(canPublish(gas, 'shaobing/kitchen-01/gas-01/telemetry', topics).ok).toBe(true);
    expect(canPublish(gas, 'shaobing/kitchen-01/gas-01/telemetry', acme).ok).toBe(false);
    expect(canPublish(gas, 'acme/shaobing/kitchen-01/gas-01/telemetry', acme).ok).toBe(true);
    expect(canPublish(gas, 'acme/shaobing/kitchen-01/gas-01/telemetry', topics).ok).toBe(false);
  });
});
