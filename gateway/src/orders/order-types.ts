// The stop-work order's data: the order, its commands, effects, audit events and refusals. Apart
// from the machine (stop-work.ts) and its sign-off steps (sign-off.ts), so both, and the audit
// events built for them (order-event.ts), read these types without importing each other.

import type { Action } from '../contract/command.js';

export type OrderState = 'active' | 'lifted';
/** 'pending' = recorded but never sent; issueOrder sends at once, the service may persist first. */
export type CommandState = 'pending' | 'sent' | 'acked' | 'failed' | 'unconfirmed';
/**
 * After an ack, what the actuator's own position sensor says. 'not_reported': the actuator reports
 * no position, so its ack alone confirms. 'awaiting': acked, but the position read so far is not
 * the safe one (a limit switch may lag the motor). 'matched': reads back safe. 'mismatch': still not
 * safe once the ack timeout passed (a valve that says "closed" but reads open: gas may flow).
 */
export type ReadBack = 'not_reported' | 'awaiting' | 'matched' | 'mismatch';

/** Where an order stands, in the order an officer walks it (隐患 hazard → 整改 rectification → 验收 inspection → 复工 back to work). */
export type OrderStep = 'issued' | 'confirmed' | 'rectified' | 'inspected' | 'lifted';

export interface OrderCommand {
  id: string;
  device: string;
  /** The device's own site when it is not the order's: an actuator of another site that obeys
   * this site's orders (a building's main valve shared by several kitchens). Its command goes to
   * that site's topic. Absent: the order's site. */
  site?: string;
  action: Action;
  state: CommandState;
  attempts: number;
  lastSentAtMs: number | null;
  /** When the actuator replied (ok or not). */
  ackedAtMs: number | null;
  /** The `state` the actuator reported in its ack, e.g. 'closed'. */
  result: string | null;
  /** The last position the actuator reported (ack or retained status), null if it never did. */
  position: string | null;
  positionAtMs: number | null;
  /** Null until the actuator acks the current attempt. */
  readBack: ReadBack | null;
}

export interface StopWorkOrder {
  id: string;
  site: string;
  state: OrderState;
  reason: string;
  alarmId: string;
  issuedAtMs: number;
  /** When every actuator first confirmed its safe state (ack, and position where reported). */
  confirmedAtMs: number | null;
  rectifiedAtMs: number | null;
  rectifiedBy: string | null;
  rectificationNote: string | null;
  inspectedAtMs: number | null;
  inspectedBy: string | null;
  inspectionNote: string | null;
  liftedAtMs: number | null;
  liftedBy: string | null;
  liftNote: string | null;
  /** The manual gas test the lift relied on while a detector of the site was blind; null if none. */
  manualGasTest: ManualGasTest | null;
  commands: OrderCommand[];
}

/**
 * A gas test by hand (人工检测), recorded to lift an order while a detector of the site cannot see:
 * who measured, with which instrument, what it read (with the unit), and when.
 */
export interface ManualGasTest {
  by: string;
  instrument: string;
  reading: number;
  unit: string;
  atMs: number;
}

/** A detector of the site that cannot vouch for the air: offline, silent past its period, or in fault. */
export interface BlindDetector {
  device: string;
  channel: string;
  why: 'offline' | 'stale' | 'fault';
  /** What the gateway sees, e.g. "no reading for 130 s (period 100 s)" or "fault:range". */
  detail: string;
}

export type OrderEffect =
  | { kind: 'publish_order'; order: StopWorkOrder } // retained site order
  | { kind: 'send_command'; orderId: string; command: OrderCommand } // to the actuator's cmd topic
  | { kind: 'command_unconfirmed'; orderId: string; command: OrderCommand } // escalate: never confirmed
  | { kind: 'command_failed'; orderId: string; command: OrderCommand } // actuator said ok:false
  | { kind: 'position_mismatch'; orderId: string; command: OrderCommand } // acked, reads back unsafe
  | { kind: 'position_restored'; orderId: string; command: OrderCommand }; // reads back safe again

export type OrderEventKind =
  | 'issued'
  | 'republished'
  | 'acked'
  | 'failed'
  | 'unconfirmed'
  | 'position_unsafe'
  | 'actuator_added'
  | 'position_mismatch'
  | 'position_matched'
  | 'confirmed'
  | 'rectified'
  | 'inspected'
  | 'lifted'
  | 'refused';

/** One line of the order's audit trail (order_event): who did what, when. */
export interface OrderEvent {
  orderId: string;
  kind: OrderEventKind;
  /** The officer; null for what the gateway or a device did. */
  actor: string | null;
  /** The officer's note, or what the gateway saw (e.g. "valve-01 reads open"). */
  note: string | null;
  device: string | null;
  atMs: number;
}

export type OrderRejection =
  | 'ALREADY_LIFTED'
  | 'ALARMS_ACTIVE'
  | 'NOTE_REQUIRED'
  | 'ACTOR_REQUIRED'
  | 'UNKNOWN_COMMAND'
  | 'RECTIFICATION_MISSING'
  | 'INSPECTION_MISSING'
  | 'ALREADY_RECTIFIED'
  | 'ALREADY_INSPECTED'
  | 'SAME_PERSON'
  | 'DETECTORS_BLIND'
  | 'GAS_TEST_INVALID';

/** What a lift still lacks, each named in the refusal (`missing`). */
export type LiftRequirement = 'rectification' | 'inspection' | 'alarms_cleared' | 'gas_test' | 'note' | 'actor';

export interface OrderOutcome {
  next: StopWorkOrder;
  effects: OrderEffect[];
  /** Audit events to persist with `next`, in the same transaction. */
  events: OrderEvent[];
  rejected?: OrderRejection;
  detail?: string;
  /** On a refused lift: every requirement not yet met, in the order an officer meets them. */
  missing?: LiftRequirement[];
  /** On a lift refused for blind detectors: which ones, and why (offline, stale, fault). */
  blind?: { device: string; channel: string; why: BlindDetector['why'] }[];
}

export interface RetryPolicy {
  ackTimeoutMs: number;
  maxAttempts: number;
}
