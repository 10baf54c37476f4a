// Gateway SIGKILL mid-stream: the real gateway process killed with kill -9 under load and
// started again on the same data directory keeps what officers did, the open stop-work order and
// every acknowledged reading, sends the unconfirmed valve command again and raises nothing twice.

import { describe, expect, it } from 'vitest';
import { gatewaySigkill } from './support/scenarios-sigkill.js';
import { SUITE_OPTIONS } from './support/scenarios-common.js';
import { cliMissing } from '../support/gateway-process.js';

const noCli = cliMissing();
if (noCli) console.warn(`SIGKILL scenario skipped: ${noCli}`);

describe.skipIf(noCli !== null)('gateway killed with SIGKILL mid-stream', () => {
  it('keeps acks, shelves, the order and every acknowledged reading; resends the pending valve command; raises nothing twice', async () => {
    const row = await gatewaySigkill(SUITE_OPTIONS);
    expect(row.checks.killedAtPublished).toBeGreaterThan(0);
    expect(row.published).toBeGreaterThan(Number(row.checks.killedAtPublished)); // load went on after the restart
    expect(row.checks.ackSurvived).toBe(true);
    expect(row.checks.shelfSurvived).toBe(true);
    expect(row.checks.orderSurvived).toBe(true);
    expect(row.checks.commandResent).toBe(true);
    expect(row.notes).not.toContain('missing');
    expect(row.lost).toBe(0);
    expect(row.stored).toBe(row.published);
    expect(row.alarmsRaised).toBe(row.alarmsExpected);
    expect(row.alarmsDuplicated).toBe(0);
  });
});
