// The manual gas test (人工气体检测) an officer records to lift a stop-work order while a detector
// of the site cannot see: checked here as plain data, and said the same way in the refusal and in
// the audit trail.

import { QUANTITY_UNITS } from '../config/quantities.js';
import type { BlindDetector, ManualGasTest } from './order-types.js';

/** A manual test reads in one of the units the gateway's own quantities use. */
export const GAS_TEST_UNITS = QUANTITY_UNITS;

/**
 * How old a test may be at the lift. No published figure was found for resuming a kitchen; the
 * test certifies the air when it was taken, so it must be recent: an hour, and after the order.
 */
export const GAS_TEST_MAX_AGE_MS = 60 * 60_000;
/** Allowance for the officer's watch running ahead of the gateway clock. */
export const GAS_TEST_CLOCK_SKEW_MS = 2 * 60_000;

/** Every problem of the test, each naming its field and what is expected; empty when it is valid. */
export function checkGasTest(test: ManualGasTest, when: { issuedAtMs: number; liftAtMs: number }): string[] {
  const problems: string[] = [];
  if (typeof test.by !== 'string' || test.by.trim() === '') problems.push('by: name who measured');
  if (typeof test.instrument !== 'string' || test.instrument.trim() === '') problems.push('instrument: name the instrument (model and serial)');
  if (typeof test.reading !== 'number' || !Number.isFinite(test.reading) || test.reading < 0) problems.push('reading: a number ≥ 0');
  if (typeof test.unit !== 'string' || !GAS_TEST_UNITS.includes(test.unit.trim())) problems.push(`unit: one of ${GAS_TEST_UNITS.join(', ')}`);
  if (typeof test.atMs !== 'number' || !Number.isFinite(test.atMs)) problems.push('at: the time of the test');
  // A time written by hand has minutes, not seconds: a test in the minute the order was issued counts.
  else if (test.atMs < Math.floor(when.issuedAtMs / 60_000) * 60_000) problems.push('at: the test was taken before the order was issued; test the air again');
  else if (test.atMs > when.liftAtMs + GAS_TEST_CLOCK_SKEW_MS) problems.push('at: the test time is in the future');
  else if (test.atMs < when.liftAtMs - GAS_TEST_MAX_AGE_MS) problems.push(`at: the test is older than ${GAS_TEST_MAX_AGE_MS / 60_000} min; test the air again`);
  return problems;
}

/** "detectors cannot see: gas-01 offline, gas-02/ch4 no reading for 130 s (period 100 s)". */
export function describeBlind(blind: readonly BlindDetector[]): string {
  const shown = blind.slice(0, 10).map((b) => `${b.channel === '_device' ? b.device : `${b.device}/${b.channel}`} ${b.detail}`);
  const more = blind.length > shown.length ? ` and ${blind.length - shown.length} more` : '';
  return `detectors cannot see: ${shown.join(', ')}${more}`;
}

export function describeGasTest(t: ManualGasTest): string {
  return `manual gas test ${t.reading} ${t.unit} by ${t.by} with ${t.instrument} at ${new Date(t.atMs).toISOString()}`;
}
