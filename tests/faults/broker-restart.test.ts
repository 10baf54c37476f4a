// Broker restart under load: embedded aedes (the gateway restarts with its broker) and an
// external Mosquitto with persistence. Devices and gateway reconnect by themselves; with QoS1 and
// persistent sessions no acknowledged reading is lost, no alarm is raised twice, and a device that
// connects after the restart still finds the retained stop-work order.

import { describe, expect, it } from 'vitest';
import { brokerRestartEmbedded, brokerRestartMosquitto } from './support/scenarios-broker.js';
import { SUITE_OPTIONS, type ScenarioRow } from './support/scenarios-common.js';
import { mosquittoMissing } from '../support/mosquitto.js';

const noMosquitto = mosquittoMissing();
if (noMosquitto) console.warn(`Mosquitto broker-restart scenario skipped: ${noMosquitto}`);

function expectNothingLost(row: ScenarioRow): void {
  expect(row.published).toBeGreaterThan(SUITE_OPTIONS.devices * SUITE_OPTIONS.ratePerS * 2); // real load went through
  expect(row.notes).not.toContain('missing');
  expect(row.lost).toBe(0);
  expect(row.stored).toBe(row.published);
  expect(row.alarmsRaised).toBe(row.alarmsExpected);
  expect(row.alarmsDuplicated).toBe(0);
  expect(row.recoverMs).not.toBeNull();
}

describe('broker restart under load', () => {
  it('embedded aedes: the gateway restarts with its broker, devices resend, nothing acknowledged is lost, the order is retained again', async () => {
    const row = await brokerRestartEmbedded(SUITE_OPTIONS);
    expectNothingLost(row);
    expect(row.checks.retainedOrderSame).toBe(true);
    // The valve had confirmed before the restart: the order is republished, the command not resent.
    expect(row.checks.valveCommands).toBe(1);
  });

  it.skipIf(noMosquitto !== null)('external Mosquitto with persistence: both sides reconnect, nothing acknowledged is lost, the order is still retained', async () => {
    const row = await brokerRestartMosquitto(SUITE_OPTIONS);
    expectNothingLost(row);
    expect(row.checks.retainedOrderSame).toBe(true);
    expect(row.checks.valveCommands).toBe(1);
  });
});
