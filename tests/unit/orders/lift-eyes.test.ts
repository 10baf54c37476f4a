// The lift's eyes as plain data: which detectors are blind (sight.ts), what a manual gas test must
// say (gas-test.ts), and how liftOrder weighs them (sign-off.ts).

import { describe, expect, it } from 'vitest';
import { issueOrder, liftOrder, recordInspection, recordRectification, type StopWorkOrder } from '../../../gateway/src/orders/stop-work.js';
import { blindDetectors } from '../../../gateway/src/orders/sight.js';
import { checkGasTest } from '../../../gateway/src/orders/gas-test.js';
import { deepFreeze } from '../../support/freeze.js';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

function signedOff(): StopWorkOrder {
  let o = issueOrder({ id: 'o1', site: 'k1', alarmId: 'a1', reason: 'CH4 60 %LEL', atMs: T0, actuators: [] }).next;
  o = recordRectification(o, { by: 'fitter Li', note: 'hose replaced', atMs: T0 + 10 * MIN }).next;
  return deepFreeze(recordInspection(o, { by: 'officer Wang', note: 'leak test passed', atMs: T0 + 20 * MIN }).next);
}

const alarm = (device: string, channel: string, ruleId: string, value = 0, raisedAtMs = T0, site = 'k1') => ({ site, device, channel, ruleId, value, raisedAtMs });

describe('blindDetectors', () => {
  it('names every offline, silent or faulty detector of the site and nothing else', () => {
    const blind = blindDetectors(
      'k1',
      [
        alarm('gas-02', 'ch4', 'stale', 100, T0),
        alarm('gas-01', '_device', 'offline'),
        alarm('gas-03', 'co', 'fault:range'),
        alarm('gas-04', 'ch4', 'kitchen-methane', 30), // a gas alarm: the detector sees fine
        alarm('gas-05', '_device', 'offline', 0, T0, 'other-site'),
      ],
      T0 + 30_000,
    );
    expect(blind).toEqual([
      { device: 'gas-01', channel: '_device', why: 'offline', detail: 'offline (last will)' },
      { device: 'gas-02', channel: 'ch4', why: 'stale', detail: 'no reading for 130 s' },
      { device: 'gas-03', channel: 'co', why: 'fault', detail: 'in fault (reading outside the sensor range)' },
    ]);
  });
});

describe('checkGasTest', () => {
  const when = { issuedAtMs: T0, liftAtMs: T0 + 60 * MIN };
  const ok = { by: 'Chen', instrument: 'X-am 5000 #231', reading: 0, unit: '%LEL', atMs: T0 + 50 * MIN };

  it('accepts a recent test after the order, and lists every problem of a bad one', () => {
    expect(checkGasTest(ok, when)).toEqual([]);
    expect(checkGasTest({ by: ' ', instrument: '', reading: -1, unit: 'furlong', atMs: T0 - MIN }, when)).toEqual([
      'by: name who measured',
      'instrument: name the instrument (model and serial)',
      'reading: a number ≥ 0',
      expect.stringMatching(/^unit: one of .*%LEL.*ppm/),
      'at: the test was taken before the order was issued; test the air again',
    ]);
  });

  it('refuses a test from the future or older than an hour at the lift', () => {
    expect(checkGasTest({ ...ok, atMs: when.liftAtMs + 3 * MIN }, when)).toEqual(['at: the test time is in the future']);
    expect(checkGasTest({ ...ok, atMs: T0 + 30 * MIN }, { issuedAtMs: T0, liftAtMs: T0 + 120 * MIN })).toEqual(['at: the test is older than 60 min; test the air again']);
  });
});

describe('liftOrder with blind detectors', () => {
  const blind = [{ device: 'gas-01', channel: '_device', why: 'offline' as const, detail: 'offline (last will)' }];
  const base = { by: 'officer Wang', note: 'resume', atMs: T0 + 60 * MIN, activeAlarmLevels: [] };

  it('refuses with DETECTORS_BLIND naming the detector and asking for a manual gas test', () => {
    const out = liftOrder(signedOff(), { ...base, blind });
    expect(out.rejected).toBe('DETECTORS_BLIND');
    expect(out.missing).toEqual(['gas_test']);
    expect(out.detail).toBe('cannot lift yet: detectors cannot see: gas-01 offline (last will): a manual gas test is needed (who, instrument, reading with unit, time)');
  });

  it('lifts with a valid manual gas test and keeps it on the order and in the lifted event', () => {
    const gasTest = { by: ' Chen ', instrument: 'X-am 5000 #231', reading: 0.4, unit: '%LEL', atMs: T0 + 55 * MIN };
    const out = liftOrder(signedOff(), { ...base, blind, gasTest });
    expect(out.rejected).toBeUndefined();
    expect(out.next.manualGasTest).toEqual({ ...gasTest, by: 'Chen' });
    expect(out.events[0]!.note).toBe(`resume [manual gas test 0.4 %LEL by Chen with X-am 5000 #231 at ${new Date(T0 + 55 * MIN).toISOString()}; detectors cannot see: gas-01 offline (last will)]`);
  });

  it('refuses an invalid gas test even when no detector is blind: nothing false goes on record', () => {
    const out = liftOrder(signedOff(), { ...base, gasTest: { by: 'Chen', instrument: 'X', reading: 0, unit: '%LEL', atMs: T0 - MIN } });
    expect(out.rejected).toBe('GAS_TEST_INVALID');
  });
});
