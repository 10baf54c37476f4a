// Outages together: InfluxDB down, the notification receiver down and the broker
// restarted while both are, during steady load with a red leak raised in the middle. Afterwards
// every acknowledged reading is in InfluxDB exactly once and every notification reached the
// deduplicating receiver exactly once. The outage lasts seconds here, two minutes in `npm run soak`.

import { describe, expect, it } from 'vitest';
import { outagesTogether } from './support/scenarios-outages.js';
import { SUITE_OPTIONS } from './support/scenarios-common.js';
import { mosquittoMissing } from '../support/mosquitto.js';
import { influxdMissing } from '../support/influxd.js';

const missing = influxdMissing() ?? mosquittoMissing();
if (missing) console.warn(`outages-together scenario skipped: ${missing}`);

describe.skipIf(missing !== null)('InfluxDB, receiver and broker down together', () => {
  it('stores every acknowledged reading in InfluxDB once and delivers every notification once', async () => {
    const row = await outagesTogether({ ...SUITE_OPTIONS, faultMs: 6000 });
    expect(row.published).toBeGreaterThan(SUITE_OPTIONS.devices * SUITE_OPTIONS.ratePerS * 2);
    expect(row.notes).not.toContain('missing');
    expect(row.lost).toBe(0);
    expect(row.stored).toBe(row.published);
    expect(row.checks.pointsDoubled).toBe(0);
    // The red alarm was raised while the receiver was down, so its notification waited in the outbox.
    expect(row.checks.notificationsPendingDuringOutage).toBeGreaterThan(0);
    expect(row.checks.notificationsOnce).toBe(true);
    expect(row.alarmsRaised).toBe(row.alarmsExpected);
    expect(row.alarmsDuplicated).toBe(0);
    expect(row.recoverMs).not.toBeNull();
  });
});
