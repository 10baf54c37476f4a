// The stop-work order (停产停工令) state machine, command side:
// issue, actuator acks, position read-back, retries, restart. Pure functions that return the next
// order, the effects the service must carry out and the audit events it must persist. Time is a
// parameter; a refused move comes back as `rejected`, never as a throw. The officers' steps after
// it (rectification, inspection, lift) are in sign-off.ts.

import type { Action } from '../contract/command.js';
import type { OrderCommand, OrderEffect, OrderEvent, OrderOutcome, OrderStep, ReadBack, RetryPolicy, StopWorkOrder } from './order-types.js';
import { orderEvent, publish } from './order-event.js';

export { orderEvent, publish } from './order-event.js';
// The officers' steps live in sign-off.ts; exported here too so one import gives the whole machine.
export { liftOrder, recordInspection, recordRectification } from './sign-off.js';

export type { OrderState, CommandState, ReadBack, OrderStep, OrderCommand, StopWorkOrder, OrderEffect, OrderEventKind, OrderEvent, OrderRejection, LiftRequirement, OrderOutcome, RetryPolicy, ManualGasTest, BlindDetector } from './order-types.js';

/** The safe action for each kind of actuator; there is no "open" (contract/command.ts). */
export function actionFor(kind: 'valve' | 'fan'): Action {
  switch (kind) {
    case 'valve':
      return 'close';
    case 'fan':
      return 'fan_on';
  }
}

/** The position an actuator must read back once it carried out its action. */
export function safePosition(action: Action): string {
  switch (action) {
    case 'close':
      return 'closed';
    case 'fan_on':
      return 'running';
  }
}

/** A command is confirmed when acked and, where the actuator reports its position, it reads safe. */
export function isConfirmed(c: OrderCommand): boolean {
  return c.state === 'acked' && (c.readBack === 'not_reported' || c.readBack === 'matched');
}

/**
 * A new order: publish it (retained) first so every device of the site sees it, then command
 * each actuator. Commands start 'sent' with attempts 1 because the effects send them now.
 * An order without actuators is legal: the retained order alone tells the site to stop, and with
 * nothing to confirm its interlock counts as confirmed at once.
 */
export function issueOrder(input: {
  id: string;
  site: string;
  alarmId: string;
  reason: string;
  atMs: number;
  actuators: { commandId: string; device: string; action: Action; site?: string }[];
}): OrderOutcome {
  // Acks are matched by command id, so a duplicate would leave one actuator unmatched forever.
  // That is a bug in the caller that builds ids, not an illegal move: throw.
  const ids = new Set(input.actuators.map((a) => a.commandId));
  if (ids.size !== input.actuators.length) throw new Error(`stop-work order ${input.id}: duplicate command ids`);

  const commands: OrderCommand[] = input.actuators.map((a) => ({
    id: a.commandId,
    device: a.device,
    ...(a.site !== undefined && a.site !== input.site ? { site: a.site } : {}),
    action: a.action,
    state: 'sent',
    attempts: 1,
    lastSentAtMs: input.atMs,
    ackedAtMs: null,
    result: null,
    position: null,
    positionAtMs: null,
    readBack: null,
  }));
  const issued: StopWorkOrder = {
    id: input.id,
    site: input.site,
    state: 'active',
    reason: input.reason,
    alarmId: input.alarmId,
    issuedAtMs: input.atMs,
    confirmedAtMs: null,
    rectifiedAtMs: null,
    rectifiedBy: null,
    rectificationNote: null,
    inspectedAtMs: null,
    inspectedBy: null,
    inspectionNote: null,
    liftedAtMs: null,
    liftedBy: null,
    liftNote: null,
    manualGasTest: null,
    commands,
  };
  const events = [orderEvent(issued, 'issued', input.atMs, { note: input.reason })];
  const next = confirmIfComplete(issued, input.atMs, events);
  return { next, effects: [publish(next), ...commands.map((c) => send(next, c))], events };
}

/**
 * An actuator's `cmd/ack`. 'acked' is final for an attempt: the actuator confirmed, and a later
 * reply is an echo of one of our resends (QoS1 may deliver twice), so it changes nothing. A
 * repeated ok:false likewise reports the failure once. A reply that arrives after the order was
 * lifted is still recorded (it is a fact about the device) but escalates nothing.
 * `position` is the actuator's read-back at ack time (in the ack, or its latest retained status);
 * absent when the actuator reports none.
 */
export function onCommandAck(order: StopWorkOrder, ack: { commandId: string; ok: boolean; state: string; atMs: number; position?: string | null }): OrderOutcome {
  const command = order.commands.find((c) => c.id === ack.commandId);
  if (command === undefined) {
    return { next: order, effects: [], events: [], rejected: 'UNKNOWN_COMMAND', detail: `no command ${ack.commandId} in order ${order.id}` };
  }
  if (command.state === 'acked') return unchanged(order);
  if (!ack.ok && command.state === 'failed') return unchanged(order);

  const reported = ack.position ?? null;
  const position = reported ?? command.position;
  const updated: OrderCommand = {
    ...command,
    state: ack.ok ? 'acked' : 'failed',
    ackedAtMs: ack.atMs,
    result: ack.state,
    position,
    positionAtMs: reported !== null ? ack.atMs : command.positionAtMs,
    readBack: ack.ok ? readBackOf(command.action, position) : null,
  };
  const events = [orderEvent(order, ack.ok ? 'acked' : 'failed', ack.atMs, { device: command.device, note: describeAck(updated) })];
  const effects: OrderEffect[] = !ack.ok && order.state === 'active' ? [{ kind: 'command_failed', orderId: order.id, command: updated }] : [];
  const next = confirmIfComplete(replace(order, command, updated), ack.atMs, events);
  return { next, effects, events };
}

/**
 * A position the actuator reported on its own (retained status). Before the ack it is only noted.
 * After the ack: a safe reading confirms the command (and clears a mismatch); an unsafe one on a
 * command that had read back safe means the valve was opened again while the order is in force,
 * so the command is sent again at once (closing is always safe) and the usual retry and timeout
 * rules escalate a valve that stays open. A lifted order no longer watches positions.
 */
export function onPositionReport(order: StopWorkOrder, report: { device: string; position: string; atMs: number; site?: string }): OrderOutcome {
  if (order.state === 'lifted') return unchanged(order);
  const effects: OrderEffect[] = [];
  const events: OrderEvent[] = [];
  let changed = false;
  const commands = order.commands.map((c): OrderCommand => {
    // `site`: the reporting device's own site (an obeying actuator's is not the order's).
    if (c.device !== report.device || (report.site !== undefined && (c.site ?? order.site) !== report.site)) return c;
    // A device that repeats the position already recorded changes nothing worth a write.
    const same = c.position === report.position;
    const noted: OrderCommand = { ...c, position: report.position, positionAtMs: report.atMs };
    changed ||= !same;
    if (c.state !== 'acked') return same ? c : noted;
    const safe = report.position === safePosition(c.action);
    if (safe) {
      if (c.readBack === 'matched') return same ? c : noted;
      changed = true;
      const matched: OrderCommand = { ...noted, readBack: 'matched' };
      if (c.readBack === 'mismatch') {
        effects.push({ kind: 'position_restored', orderId: order.id, command: matched });
        events.push(orderEvent(order, 'position_matched', report.atMs, { device: c.device, note: `reads ${report.position}` }));
      }
      return matched;
    }
    if (c.readBack !== 'matched' && c.readBack !== 'not_reported') return same ? c : noted; // awaiting or mismatch already
    changed = true;
    const resent: OrderCommand = { ...noted, state: 'sent', attempts: c.attempts + 1, lastSentAtMs: report.atMs, readBack: null };
    effects.push({ kind: 'send_command', orderId: order.id, command: resent });
    events.push(orderEvent(order, 'position_unsafe', report.atMs, { device: c.device, note: `reads ${report.position} while the order is in force: command sent again` }));
    return resent;
  });
  if (!changed) return unchanged(order);
  return { next: confirmIfComplete({ ...order, commands }, report.atMs, events), effects, events };
}

/**
 * The retry clock. A command 'sent' is due once lastSentAtMs + ackTimeoutMs <= atMs (exactly at
 * the timeout, not a millisecond before). While attempts < maxAttempts it is sent again; after
 * that it becomes 'unconfirmed' and is escalated once, because only 'sent' commands are due.
 * A 'pending' command was never sent, so it is due at once. An acked command still awaiting its
 * safe position at ackedAtMs + ackTimeoutMs becomes a mismatch, escalated once. A lifted order
 * needs nothing.
 */
export function onTick(order: StopWorkOrder, atMs: number, policy: RetryPolicy): OrderOutcome {
  if (order.state === 'lifted') return unchanged(order);

  const effects: OrderEffect[] = [];
  const events: OrderEvent[] = [];
  let changed = false;
  const commands = order.commands.map((c) => {
    if (readBackDue(c, atMs, policy.ackTimeoutMs)) {
      changed = true;
      const mismatch: OrderCommand = { ...c, readBack: 'mismatch' };
      effects.push({ kind: 'position_mismatch', orderId: order.id, command: mismatch });
      events.push(orderEvent(order, 'position_mismatch', atMs, { device: c.device, note: `acked ${c.result ?? '?'} but reads ${c.position ?? '?'}` }));
      return mismatch;
    }
    if (!isDue(c, atMs, policy.ackTimeoutMs)) return c;
    changed = true;
    if (c.attempts < policy.maxAttempts) {
      const resent: OrderCommand = { ...c, state: 'sent', attempts: c.attempts + 1, lastSentAtMs: atMs };
      effects.push({ kind: 'send_command', orderId: order.id, command: resent });
      return resent;
    }
    const unconfirmed: OrderCommand = { ...c, state: 'unconfirmed' };
    effects.push({ kind: 'command_unconfirmed', orderId: order.id, command: unconfirmed });
    events.push(orderEvent(order, 'unconfirmed', atMs, { device: c.device, note: `no ack after ${c.attempts} attempts` }));
    return unconfirmed;
  });
  return changed ? { next: { ...order, commands }, effects, events } : unchanged(order);
}

function isDue(c: OrderCommand, atMs: number, ackTimeoutMs: number): boolean {
  if (c.state === 'pending') return true;
  return c.state === 'sent' && c.lastSentAtMs !== null && c.lastSentAtMs + ackTimeoutMs <= atMs;
}

function readBackDue(c: OrderCommand, atMs: number, ackTimeoutMs: number): boolean {
  return c.state === 'acked' && c.readBack === 'awaiting' && c.ackedAtMs !== null && c.ackedAtMs + ackTimeoutMs <= atMs;
}

/**
 * After a gateway restart: aedes keeps retained messages in memory only, so the site order is
 * published again, and every command not yet confirmed is sent again (we cannot know whether a
 * reply or a position report was lost while we were down). Failed, unconfirmed and mismatched
 * commands get this one extra attempt too; if it is not confirmed, the next timeout escalates it
 * again, once per restart. Officers' steps (rectification, inspection) are kept as they were.
 */
export function resumeAfterRestart(order: StopWorkOrder, atMs: number): OrderOutcome {
  if (order.state === 'lifted') return unchanged(order);

  const commands = order.commands.map((c): OrderCommand => (isConfirmed(c) ? c : { ...c, state: 'sent', attempts: c.attempts + 1, lastSentAtMs: atMs, readBack: null }));
  const next: StopWorkOrder = { ...order, commands };
  const resent = commands.filter((c) => !isConfirmed(c));
  return { next, effects: [publish(next), ...resent.map((c) => send(next, c))], events: [orderEvent(order, 'republished', atMs, { note: `${resent.length} command(s) sent again` })] };
}

/**
 * Actuators that joined the site (the fleet changed) while the order is in force: each is
 * commanded at once, closing a valve being always safe, and counts towards the interlock's
 * confirmation like the others. A device the order already commands is left as it is. A lifted
 * order commands nothing.
 */
export function addActuators(order: StopWorkOrder, actuators: readonly { commandId: string; device: string; action: Action; site?: string }[], atMs: number): OrderOutcome {
  if (order.state === 'lifted') return unchanged(order);
  const siteOf = (x: { site?: string }) => x.site ?? order.site;
  const fresh = actuators.filter((a) => !order.commands.some((c) => c.device === a.device && siteOf(c) === siteOf(a)));
  if (fresh.length === 0) return unchanged(order);
  const added: OrderCommand[] = fresh.map((a) => ({ id: a.commandId, device: a.device, ...(siteOf(a) !== order.site ? { site: siteOf(a) } : {}), action: a.action, state: 'sent', attempts: 1, lastSentAtMs: atMs, ackedAtMs: null, result: null, position: null, positionAtMs: null, readBack: null }));
  const next: StopWorkOrder = { ...order, commands: [...order.commands, ...added] };
  const events = added.map((c) => orderEvent(order, 'actuator_added', atMs, { device: c.device, note: `added to the site while the order is in force: ${c.action} sent` }));
  return { next, effects: added.map((c) => send(next, c)), events };
}

/** The order is in force on site: active and every actuator has confirmed its safe state. */
export function isEnforced(order: StopWorkOrder): boolean {
  return order.state === 'active' && order.commands.every(isConfirmed);
}

/** The furthest step the order reached. */
export function orderStep(order: StopWorkOrder): OrderStep {
  if (order.state === 'lifted') return 'lifted';
  if (order.inspectedAtMs !== null) return 'inspected';
  if (order.rectifiedAtMs !== null) return 'rectified';
  if (order.confirmedAtMs !== null) return 'confirmed';
  return 'issued';
}

/** The interlock step is reached once, the first time every command is confirmed; it stays a fact. */
function confirmIfComplete(order: StopWorkOrder, atMs: number, events: OrderEvent[]): StopWorkOrder {
  if (order.confirmedAtMs !== null || order.state !== 'active' || !order.commands.every(isConfirmed)) return order;
  events.push(orderEvent(order, 'confirmed', atMs, { note: order.commands.map((c) => `${c.device} ${c.position ?? c.result ?? 'acked'}`).join(', ') || 'no actuators' }));
  return { ...order, confirmedAtMs: atMs };
}

function readBackOf(action: Action, position: string | null): ReadBack {
  if (position === null) return 'not_reported';
  return position === safePosition(action) ? 'matched' : 'awaiting';
}

function describeAck(c: OrderCommand): string {
  return c.position === null ? `${c.result}` : `${c.result}, reads ${c.position}`;
}

function replace(order: StopWorkOrder, old: OrderCommand, updated: OrderCommand): StopWorkOrder {
  return { ...order, commands: order.commands.map((c) => (c === old ? updated : c)) };
}

function unchanged(order: StopWorkOrder): OrderOutcome {
  return { next: order, effects: [], events: [] };
}

function send(order: StopWorkOrder, command: OrderCommand): OrderEffect {
  return { kind: 'send_command', orderId: order.id, command };
}
