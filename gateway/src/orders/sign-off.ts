// The officers' side of a stop-work order (停产停工令), after the interlock: rectification recorded
// (整改), inspection recorded (验收), then resumption authorised (复工, the lift). Pure functions
// over the order, like stop-work.ts: a refused step comes back as `rejected` with what is missing.

import { levelRank, type Level } from '../contract/levels.js';
import type { BlindDetector, LiftRequirement, ManualGasTest, OrderOutcome, OrderRejection, StopWorkOrder } from './order-types.js';
import { orderEvent, publish } from './order-event.js';
import { checkGasTest, describeBlind, describeGasTest } from './gas-test.js';

interface OfficerInput {
  by: string;
  note: string;
  atMs: number;
}

/**
 * Who rectified the hazard and how. Allowed before the interlock confirmed: an actuator that never
 * answers may itself be the defect the rectification repairs, and the audit trail shows whether
 * the interlock had confirmed at the time. Recorded once; the inspector judges it.
 */
export function recordRectification(order: StopWorkOrder, input: OfficerInput): OrderOutcome {
  if (order.state === 'lifted') return refuse(order, 'ALREADY_LIFTED');
  if (order.rectifiedAtMs !== null) return refuse(order, 'ALREADY_RECTIFIED', `rectified by ${order.rectifiedBy}`);
  const signed = sign(order, input);
  if ('rejected' in signed) return signed.rejected;
  const next: StopWorkOrder = { ...order, rectifiedAtMs: input.atMs, rectifiedBy: signed.by, rectificationNote: signed.note };
  const interlock = order.confirmedAtMs !== null ? '' : ' [interlock not confirmed at the time]';
  return { next, effects: [], events: [orderEvent(order, 'rectified', input.atMs, { actor: signed.by, note: signed.note + interlock })] };
}

/**
 * The inspection (验收) of the rectification, by someone other than the rectifier: the four-eyes
 * rule a safety officer expects before gas comes back, since the person who did the work is the
 * one least able to see what they missed. Names are compared trimmed and case-blind, so "Li" and
 * "li " are the same person.
 */
export function recordInspection(order: StopWorkOrder, input: OfficerInput): OrderOutcome {
  if (order.state === 'lifted') return refuse(order, 'ALREADY_LIFTED');
  if (order.inspectedAtMs !== null) return refuse(order, 'ALREADY_INSPECTED', `inspected by ${order.inspectedBy}`);
  if (order.rectifiedAtMs === null) return refuse(order, 'RECTIFICATION_MISSING', 'no rectification recorded to inspect');
  const signed = sign(order, input);
  if ('rejected' in signed) return signed.rejected;
  if (samePerson(signed.by, order.rectifiedBy ?? '')) {
    return refuse(order, 'SAME_PERSON', `the inspector must not be the rectifier (${order.rectifiedBy})`);
  }
  const next: StopWorkOrder = { ...order, inspectedAtMs: input.atMs, inspectedBy: signed.by, inspectionNote: signed.note };
  return { next, effects: [], events: [orderEvent(order, 'inspected', input.atMs, { actor: signed.by, note: signed.note })] };
}

/** What the lift is judged on besides the order itself, gathered by the interlock at the moment of the lift. */
export interface LiftInput extends OfficerInput {
  activeAlarmLevels: Level[];
  /** Detectors of the site that cannot see the air now (offline, silent, in fault). */
  blind?: readonly BlindDetector[];
  /** A manual gas test, needed while any detector is blind. */
  gasTest?: ManualGasTest;
}

/**
 * An authorised officer lifts the order (resumption), with a note, only once rectification and
 * inspection are recorded, the site has no active orange or red alarm, and someone can vouch for
 * the air: every detector of the site reporting and healthy, or else a manual gas test recorded
 * with the lift. A cleared alarm from a blind detector proves nothing: it cannot see the gas that
 * would keep it active. The refusal lists everything still missing; its code is the first of
 * them, in the order an officer acts.
 */
export function liftOrder(order: StopWorkOrder, input: LiftInput): OrderOutcome {
  if (order.state === 'lifted') return refuse(order, 'ALREADY_LIFTED');

  const missing: { need: LiftRequirement; code: OrderRejection; say: string }[] = [];
  if (order.rectifiedAtMs === null) missing.push({ need: 'rectification', code: 'RECTIFICATION_MISSING', say: 'rectification not recorded' });
  if (order.inspectedAtMs === null) missing.push({ need: 'inspection', code: 'INSPECTION_MISSING', say: 'inspection not recorded' });
  const blocking = input.activeAlarmLevels.filter((l) => levelRank(l) >= levelRank('orange'));
  if (blocking.length > 0) missing.push({ need: 'alarms_cleared', code: 'ALARMS_ACTIVE', say: `active alarms at ${blocking.join(', ')}` });
  const blind = input.blind ?? [];
  if (input.gasTest !== undefined) {
    const problems = checkGasTest(input.gasTest, { issuedAtMs: order.issuedAtMs, liftAtMs: input.atMs });
    if (problems.length > 0) missing.push({ need: 'gas_test', code: 'GAS_TEST_INVALID', say: `the manual gas test is not valid: ${problems.join(', ')}` });
  } else if (blind.length > 0) {
    missing.push({ need: 'gas_test', code: 'DETECTORS_BLIND', say: `${describeBlind(blind)}: a manual gas test is needed (who, instrument, reading with unit, time)` });
  }
  const note = input.note.trim();
  const by = input.by.trim();
  if (note === '') missing.push({ need: 'note', code: 'NOTE_REQUIRED', say: 'a note is required' });
  if (by === '') missing.push({ need: 'actor', code: 'ACTOR_REQUIRED', say: 'the officer must be named' });
  if (missing.length > 0) {
    const blindNamed = missing.some((m) => m.code === 'DETECTORS_BLIND') ? { blind: blind.map(({ device, channel, why }) => ({ device, channel, why })) } : {};
    return { next: order, effects: [], events: [], rejected: missing[0]!.code, detail: `cannot lift yet: ${missing.map((m) => m.say).join('; ')}`, missing: missing.map((m) => m.need), ...blindNamed };
  }

  const gasTest = input.gasTest === undefined ? null : { ...input.gasTest, by: input.gasTest.by.trim(), instrument: input.gasTest.instrument.trim(), unit: input.gasTest.unit.trim() };
  const next: StopWorkOrder = { ...order, state: 'lifted', liftedAtMs: input.atMs, liftedBy: by, liftNote: note, manualGasTest: gasTest };
  // The audit line says what the lift relied on: the detectors, or the manual test while they were blind.
  const eyes = gasTest === null ? '' : ` [${describeGasTest(gasTest)}${blind.length > 0 ? `; ${describeBlind(blind)}` : ''}]`;
  // Lifting NEVER sends a command: re-opening a gas valve is a manual act on site,
  // done by someone who can see that the area is safe. The only effect is the retained order,
  // which now says 'lifted'.
  return { next, effects: [publish(next)], events: [orderEvent(order, 'lifted', input.atMs, { actor: by, note: note + eyes })] };
}

function sign(order: StopWorkOrder, input: OfficerInput): { by: string; note: string } | { rejected: OrderOutcome } {
  const by = input.by.trim();
  const note = input.note.trim();
  if (by === '') return { rejected: refuse(order, 'ACTOR_REQUIRED', 'the officer must be named') };
  if (note === '') return { rejected: refuse(order, 'NOTE_REQUIRED', 'a note is required') };
  return { by, note };
}

function samePerson(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFKC').trim().toLowerCase();
  return norm(a) === norm(b);
}

function refuse(order: StopWorkOrder, rejected: OrderRejection, detail?: string): OrderOutcome {
  return { next: order, effects: [], events: [], rejected, ...(detail !== undefined ? { detail } : {}) };
}
