// The stop-work order (停产停工令) state machine (DESIGN.md, "Stop-work order"): pure functions that
// return the next order and the effects the service must carry out (publish, send, escalate).
// Time is a parameter; a refused move comes back as `rejected`, never as a throw.

import type { Action } from '../contract/command.js';
import { levelRank, type Level } from '../contract/levels.js';

export type OrderState = 'active' | 'lifted';
/** 'pending' = recorded but never sent; issueOrder sends at once, the service may persist first. */
export type CommandState = 'pending' | 'sent' | 'acked' | 'failed' | 'unconfirmed';

export interface OrderCommand {
  id: string;
  device: string;
  action: Action;
  state: CommandState;
  attempts: number;
  lastSentAtMs: number | null;
  /** When the actuator replied (ok or not). */
  ackedAtMs: number | null;
  /** The `state` the actuator reported in its ack, e.g. 'closed'. */
  result: string | null;
}

export interface StopWorkOrder {
  id: string;
  site: string;
  state: OrderState;
  reason: string;
  alarmId: string;
  issuedAtMs: number;
  liftedAtMs: number | null;
  liftedBy: string | null;
  liftNote: string | null;
  commands: OrderCommand[];
}

export type OrderEffect =
  | { kind: 'publish_order'; order: StopWorkOrder } // retained site order
  | { kind: 'send_command'; orderId: string; command: OrderCommand } // to the actuator's cmd topic
  | { kind: 'command_unconfirmed'; orderId: string; command: OrderCommand } // escalate: never confirmed
  | { kind: 'command_failed'; orderId: string; command: OrderCommand }; // actuator said ok:false

export type OrderRejection = 'ALREADY_LIFTED' | 'ALARMS_ACTIVE' | 'NOTE_REQUIRED' | 'UNKNOWN_COMMAND';

export interface OrderOutcome {
  next: StopWorkOrder;
  effects: OrderEffect[];
  rejected?: OrderRejection;
  detail?: string;
}

export interface RetryPolicy {
  ackTimeoutMs: number;
  maxAttempts: number;
}

/** The safe action for each kind of actuator; there is no "open" (contract/command.ts). */
export function actionFor(kind: 'valve' | 'fan'): Action {
  switch (kind) {
    case 'valve':
      return 'close';
    case 'fan':
      return 'fan_on';
  }
}

/**
 * A new order: publish it (retained) first so every device of the site sees it, then command
 * each actuator. Commands start 'sent' with attempts 1 because the effects send them now.
 * An order without actuators is legal: the retained order alone tells the site to stop.
 */
export function issueOrder(input: {
  id: string;
  site: string;
  alarmId: string;
  reason: string;
  atMs: number;
  actuators: { commandId: string; device: string; action: Action }[];
}): OrderOutcome {
  // Acks are matched by command id, so a duplicate would leave one actuator unmatched forever.
  // That is a bug in the caller that builds ids, not an illegal move: throw (STYLE.md, errors).
  const ids = new Set(input.actuators.map((a) => a.commandId));
  if (ids.size !== input.actuators.length) throw new Error(`stop-work order ${input.id}: duplicate command ids`);

  const commands: OrderCommand[] = input.actuators.map((a) => ({
    id: a.commandId,
    device: a.device,
    action: a.action,
    state: 'sent',
    attempts: 1,
    lastSentAtMs: input.atMs,
    ackedAtMs: null,
    result: null,
  }));
  const next: StopWorkOrder = {
    id: input.id,
    site: input.site,
    state: 'active',
    reason: input.reason,
    alarmId: input.alarmId,
    issuedAtMs: input.atMs,
    liftedAtMs: null,
    liftedBy: null,
    liftNote: null,
    commands,
  };
  return { next, effects: [publish(next), ...commands.map((c) => send(next, c))] };
}

/**
 * An actuator's `cmd/ack`. 'acked' is final for a command: the actuator confirmed the safe state,
 * and a later reply is an echo of one of our resends (QoS1 may deliver twice), so it changes
 * nothing. A repeated ok:false likewise reports the failure once. A reply that arrives after the
 * order was lifted is still recorded (it is a fact about the device) but escalates nothing.
 */
export function onCommandAck(order: StopWorkOrder, ack: { commandId: string; ok: boolean; state: string; atMs: number }): OrderOutcome {
  const command = order.commands.find((c) => c.id === ack.commandId);
  if (command === undefined) {
    return { next: order, effects: [], rejected: 'UNKNOWN_COMMAND', detail: `no command ${ack.commandId} in order ${order.id}` };
  }
  if (command.state === 'acked') return { next: order, effects: [] };
  if (!ack.ok && command.state === 'failed') return { next: order, effects: [] };

  const updated: OrderCommand = { ...command, state: ack.ok ? 'acked' : 'failed', ackedAtMs: ack.atMs, result: ack.state };
  const next = withCommands(order, order.commands.map((c) => (c === command ? updated : c)));
  const effects: OrderEffect[] = !ack.ok && order.state === 'active' ? [{ kind: 'command_failed', orderId: order.id, command: updated }] : [];
  return { next, effects };
}

/**
 * The retry clock. A command 'sent' is due once lastSentAtMs + ackTimeoutMs <= atMs (exactly at
 * the timeout, not a millisecond before). While attempts < maxAttempts it is sent again; after
 * that it becomes 'unconfirmed' and is escalated once, because only 'sent' commands are due.
 * A 'pending' command was never sent, so it is due at once. A lifted order needs nothing.
 */
export function onTick(order: StopWorkOrder, atMs: number, policy: RetryPolicy): OrderOutcome {
  if (order.state === 'lifted') return { next: order, effects: [] };

  const effects: OrderEffect[] = [];
  let changed = false;
  const commands = order.commands.map((c) => {
    if (!isDue(c, atMs, policy.ackTimeoutMs)) return c;
    changed = true;
    if (c.attempts < policy.maxAttempts) {
      const resent: OrderCommand = { ...c, state: 'sent', attempts: c.attempts + 1, lastSentAtMs: atMs };
      effects.push({ kind: 'send_command', orderId: order.id, command: resent });
      return resent;
    }
    const unconfirmed: OrderCommand = { ...c, state: 'unconfirmed' };
    effects.push({ kind: 'command_unconfirmed', orderId: order.id, command: unconfirmed });
    return unconfirmed;
  });
  return changed ? { next: withCommands(order, commands), effects } : { next: order, effects: [] };
}

function isDue(c: OrderCommand, atMs: number, ackTimeoutMs: number): boolean {
  if (c.state === 'pending') return true;
  return c.state === 'sent' && c.lastSentAtMs !== null && c.lastSentAtMs + ackTimeoutMs <= atMs;
}

/**
 * After a gateway restart: aedes keeps retained messages in memory only, so the site order is
 * published again, and every command not yet 'acked' is sent again (we cannot know whether a
 * reply was lost while we were down). Failed and unconfirmed commands get this one extra attempt
 * too; if it is not confirmed, the next timeout escalates it again, once per restart.
 */
export function resumeAfterRestart(order: StopWorkOrder, atMs: number): OrderOutcome {
  if (order.state === 'lifted') return { next: order, effects: [] };

  const commands = order.commands.map((c): OrderCommand => (c.state === 'acked' ? c : { ...c, state: 'sent', attempts: c.attempts + 1, lastSentAtMs: atMs }));
  const next = withCommands(order, commands);
  const resent = commands.filter((c) => c.state !== 'acked');
  return { next, effects: [publish(next), ...resent.map((c) => send(next, c))] };
}

/**
 * An authorised officer lifts the order, with a note, and only when the site has no active
 * orange or red alarm (DESIGN.md). The checks run in the order an officer can act on them:
 * already lifted, then the alarms that still forbid lifting, then the missing note.
 */
export function liftOrder(order: StopWorkOrder, input: { by: string; note: string; atMs: number; activeAlarmLevels: Level[] }): OrderOutcome {
  if (order.state === 'lifted') return { next: order, effects: [], rejected: 'ALREADY_LIFTED' };

  const blocking = input.activeAlarmLevels.filter((l) => levelRank(l) >= levelRank('orange'));
  if (blocking.length > 0) {
    return { next: order, effects: [], rejected: 'ALARMS_ACTIVE', detail: `active alarms at ${blocking.join(', ')}` };
  }
  const note = input.note.trim();
  if (note === '') return { next: order, effects: [], rejected: 'NOTE_REQUIRED' };

  const next: StopWorkOrder = { ...order, state: 'lifted', liftedAtMs: input.atMs, liftedBy: input.by, liftNote: note };
  // Lifting NEVER sends a command: re-opening a gas valve is a manual act on site (DESIGN.md),
  // done by someone who can see that the area is safe. The only effect is the retained order,
  // which now says 'lifted'.
  return { next, effects: [publish(next)] };
}

/** The order is in force on site: active and every actuator has confirmed its safe state. */
export function isEnforced(order: StopWorkOrder): boolean {
  return order.state === 'active' && order.commands.every((c) => c.state === 'acked');
}

function withCommands(order: StopWorkOrder, commands: OrderCommand[]): StopWorkOrder {
  return { ...order, commands };
}

function publish(order: StopWorkOrder): OrderEffect {
  return { kind: 'publish_order', order };
}

function send(order: StopWorkOrder, command: OrderCommand): OrderEffect {
  return { kind: 'send_command', orderId: order.id, command };
}
