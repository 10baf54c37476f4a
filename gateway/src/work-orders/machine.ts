// The work order (派单) state machine: a task an officer dispatches to one person with a deadline.
// Pure: a state and an act in, `{ next, events, rejected }` out, like orders/stop-work.ts. Time is a
// parameter; a refused move comes back as `rejected` with a detail, never as a throw.

export type WorkOrderTask = 'check_leak' | 'replace_detector' | 'inspect_kitchen' | 'rectify_hazard' | 'accept_rectification';

export type WorkOrderState =
  | 'dispatched' // 已派单
  | 'accepted' // 已接单
  | 'in_progress' // 处理中
  | 'completed' // 已完成, waiting for the dispatcher
  | 'confirmed' // 已确认 (final)
  | 'refused' // 已拒单 (final; the dispatcher reassigns or cancels a new one)
  | 'cancelled'; // 已撤销 (final)

export interface WorkOrderProgress {
  atMs: number;
  by: string;
  note: string;
  photos: string[];
}

export interface WorkOrder {
  id: string;
  task: WorkOrderTask;
  title: string;
  site: string;
  device: string | null;
  alarmId: string | null;
  stopWorkOrderId: string | null;
  hazardId: string | null;
  dispatcher: string;
  assignee: string;
  state: WorkOrderState;
  dispatchedAtMs: number;
  dueAtMs: number;
  acceptedAtMs: number | null;
  completedAtMs: number | null;
  closedAtMs: number | null;
  progress: WorkOrderProgress[];
  /** The last reason given by refuse, return or cancel; shown beside the state. */
  reason: string | null;
}

export type WorkOrderEventKind = 'dispatched' | 'accepted' | 'progress' | 'completed' | 'confirmed' | 'returned' | 'refused' | 'cancelled' | 'reassigned';

export interface WorkOrderEvent {
  orderId: string;
  kind: WorkOrderEventKind;
  atMs: number;
  by: string;
  detail: Record<string, unknown>;
}

export type WorkOrderRejection = 'NOT_ASSIGNEE' | 'NOT_DISPATCHER' | 'WRONG_STATE' | 'REASON_REQUIRED' | 'DEADLINE_PASSED_AT_DISPATCH' | 'SAME_ASSIGNEE';

export interface WorkOrderOutcome {
  next: WorkOrder;
  events: WorkOrderEvent[];
  rejected?: WorkOrderRejection;
  detail?: string;
}

const FINAL: ReadonlySet<WorkOrderState> = new Set(['confirmed', 'refused', 'cancelled']);

export function isFinal(state: WorkOrderState): boolean {
  return FINAL.has(state);
}

function refuse(order: WorkOrder, rejected: WorkOrderRejection, detail: string): WorkOrderOutcome {
  return { next: order, events: [], rejected, detail };
}

function moved(next: WorkOrder, kind: WorkOrderEventKind, atMs: number, by: string, detail: Record<string, unknown> = {}): WorkOrderOutcome {
  return { next, events: [{ orderId: next.id, kind, atMs, by, detail }], };
}

function needState(order: WorkOrder, allowed: WorkOrderState[], act: string): WorkOrderOutcome | null {
  if (allowed.includes(order.state)) return null;
  return refuse(order, 'WRONG_STATE', `cannot ${act} work order ${order.id} while it is ${order.state}`);
}

function needAssignee(order: WorkOrder, by: string, act: string): WorkOrderOutcome | null {
  if (by === order.assignee) return null;
  return refuse(order, 'NOT_ASSIGNEE', `only ${order.assignee} may ${act} work order ${order.id}`);
}

function needDispatcher(order: WorkOrder, by: string, act: string): WorkOrderOutcome | null {
  if (by === order.dispatcher) return null;
  return refuse(order, 'NOT_DISPATCHER', `only the dispatcher ${order.dispatcher} may ${act} work order ${order.id}`);
}

function needReason(order: WorkOrder, reason: string, act: string): WorkOrderOutcome | null {
  if (reason.trim() !== '') return null;
  return refuse(order, 'REASON_REQUIRED', `a reason is required to ${act} work order ${order.id}`);
}

export function dispatch(input: {
  id: string;
  task: WorkOrderTask;
  title: string;
  site: string;
  device?: string | null;
  alarmId?: string | null;
  stopWorkOrderId?: string | null;
  hazardId?: string | null;
  dispatcher: string;
  assignee: string;
  dueAtMs: number;
  atMs: number;
}): WorkOrderOutcome {
  const next: WorkOrder = {
    id: input.id,
    task: input.task,
    title: input.title,
    site: input.site,
    device: input.device ?? null,
    alarmId: input.alarmId ?? null,
    stopWorkOrderId: input.stopWorkOrderId ?? null,
    hazardId: input.hazardId ?? null,
    dispatcher: input.dispatcher,
    assignee: input.assignee,
    state: 'dispatched',
    dispatchedAtMs: input.atMs,
    dueAtMs: input.dueAtMs,
    acceptedAtMs: null,
    completedAtMs: null,
    closedAtMs: null,
    progress: [],
    reason: null,
  };
  // A deadline already past would raise its overdue notice at once: a typo, not a task.
  if (input.dueAtMs <= input.atMs) return refuse(next, 'DEADLINE_PASSED_AT_DISPATCH', `deadline ${new Date(input.dueAtMs).toISOString()} is not after dispatch`);
  return moved(next, 'dispatched', input.atMs, input.dispatcher, { assignee: input.assignee, dueAtMs: input.dueAtMs });
}

export function accept(order: WorkOrder, by: string, atMs: number): WorkOrderOutcome {
  const no = needState(order, ['dispatched'], 'accept') ?? needAssignee(order, by, 'accept');
  if (no) return no;
  return moved({ ...order, state: 'accepted', acceptedAtMs: atMs }, 'accepted', atMs, by);
}

export function refuseOrder(order: WorkOrder, by: string, reason: string, atMs: number): WorkOrderOutcome {
  const no = needState(order, ['dispatched'], 'refuse') ?? needAssignee(order, by, 'refuse') ?? needReason(order, reason, 'refuse');
  if (no) return no;
  return moved({ ...order, state: 'refused', closedAtMs: atMs, reason }, 'refused', atMs, by, { reason });
}

export function reportProgress(order: WorkOrder, by: string, note: string, photos: string[], atMs: number): WorkOrderOutcome {
  const no = needState(order, ['accepted', 'in_progress'], 'report progress on') ?? needAssignee(order, by, 'report progress on');
  if (no) return no;
  if (note.trim() === '' && photos.length === 0) return refuse(order, 'REASON_REQUIRED', 'a progress report needs a note or a photo');
  const entry: WorkOrderProgress = { atMs, by, note, photos };
  return moved({ ...order, state: 'in_progress', progress: [...order.progress, entry] }, 'progress', atMs, by, { note, photos });
}

export function complete(order: WorkOrder, by: string, note: string, atMs: number): WorkOrderOutcome {
  const no = needState(order, ['accepted', 'in_progress'], 'complete') ?? needAssignee(order, by, 'complete');
  if (no) return no;
  return moved({ ...order, state: 'completed', completedAtMs: atMs }, 'completed', atMs, by, { note });
}

export function confirm(order: WorkOrder, by: string, atMs: number): WorkOrderOutcome {
  const no = needState(order, ['completed'], 'confirm') ?? needDispatcher(order, by, 'confirm');
  if (no) return no;
  return moved({ ...order, state: 'confirmed', closedAtMs: atMs }, 'confirmed', atMs, by);
}

/** The dispatcher sends finished work back: the assignee works on it again (in progress). */
export function returnOrder(order: WorkOrder, by: string, reason: string, atMs: number): WorkOrderOutcome {
  const no = needState(order, ['completed'], 'return') ?? needDispatcher(order, by, 'return') ?? needReason(order, reason, 'return');
  if (no) return no;
  return moved({ ...order, state: 'in_progress', completedAtMs: null, reason }, 'returned', atMs, by, { reason });
}

export function cancel(order: WorkOrder, by: string, reason: string, atMs: number): WorkOrderOutcome {
  const no = needState(order, ['dispatched', 'accepted', 'in_progress', 'completed'], 'cancel') ?? needDispatcher(order, by, 'cancel') ?? needReason(order, reason, 'cancel');
  if (no) return no;
  return moved({ ...order, state: 'cancelled', closedAtMs: atMs, reason }, 'cancelled', atMs, by, { reason });
}

/**
 * The dispatcher hands the task to someone else. The new assignee must accept afresh, so the
 * order goes back to dispatched and the acceptance clock restarts; the audit keeps both names.
 */
export function reassign(order: WorkOrder, by: string, to: string, reason: string, atMs: number): WorkOrderOutcome {
  const no = needState(order, ['dispatched', 'accepted', 'in_progress', 'refused'], 'reassign') ?? needDispatcher(order, by, 'reassign') ?? needReason(order, reason, 'reassign');
  if (no) return no;
  if (to === order.assignee && order.state !== 'refused') return refuse(order, 'SAME_ASSIGNEE', `${to} already holds work order ${order.id}`);
  const next: WorkOrder = { ...order, assignee: to, state: 'dispatched', dispatchedAtMs: atMs, acceptedAtMs: null, closedAtMs: null, reason };
  return moved(next, 'reassigned', atMs, by, { from: order.assignee, to, reason });
}
