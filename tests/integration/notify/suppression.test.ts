// The notifier's own suppression policy (notify/suppression.ts) on a real state database: the
// alarm service hands each move over with its surroundings (maintenance, flood), and the notifier
// spares the roster without being given any callback into the alarm service.

import { describe, expect, it } from 'vitest';
import { useGatewayFixture } from '../../support/fixture.js';
import { openHarness, rosterInput, SITE, type Harness } from './notify-fixture.js';

const channels = { hook: { type: 'webhook' as const, url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret-0123' } };
const contacts = { zhang: [{ channel: 'hook' }], wang: [{ channel: 'hook' }], zhao: [{ channel: 'hook' }] };

describe('notification suppression on the notifier side', () => {
  const fx = useGatewayFixture();

  function harness(): Harness {
    const h = openHarness(fx.dataDir(), rosterInput(channels, contacts), Date.now);
    fx.defer(() => h.close());
    return h;
  }

  it('spares the roster a device under maintenance, but never its red', () => {
    const h = harness();
    expect(h.alarms.putOutOfService({ site: SITE, device: 'gas-01', by: 'officer Li', reason: 'calibration', untilMs: Date.now() + 3_600_000 }).ok).toBe(true);
    const yellow = h.move('gas-01', null, 'yellow', 26)!;
    expect(h.notifier.outbox.list({ alarmId: yellow.id, limit: 10 })).toEqual([]);
    h.move('gas-01', 'yellow', 'red', 60);
    expect(h.notifier.outbox.list({ alarmId: yellow.id, limit: 10 }).map((r) => r.kind)).toEqual(['escalated']);
    // Another device of the site is told as usual.
    const other = h.move('gas-02', null, 'yellow', 26)!;
    expect(h.notifier.outbox.list({ alarmId: other.id, limit: 10 }).map((r) => r.kind)).toEqual(['raised']);
  });

  it('spares the roster the alarms of a flood and tells it the one flood alarm', () => {
    const h = harness();
    const raised = Array.from({ length: 12 }, (_, i) => h.move(`gas-${String(i).padStart(2, '0')}`, null, 'yellow', 26)!);
    const told = raised.filter((a) => h.notifier.outbox.list({ alarmId: a.id, limit: 10 }).length > 0);
    // The first ten are told; from the eleventh the site floods and the flood alarm speaks for them.
    expect(told).toHaveLength(10);
    const flood = h.alarms.activeAlarms().find((a) => a.kind === 'flood')!;
    expect(h.notifier.outbox.list({ alarmId: flood.id, limit: 10 }).map((r) => r.kind)).toEqual(['raised']);
  });
});
