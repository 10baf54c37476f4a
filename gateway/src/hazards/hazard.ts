// The hazard ledger's machine (隐患台账): registered → graded → rectifying → acceptance requested →
// closed (销号), refused acceptance back to rectifying, deadline extension as its own audited act.
// Pure functions over the record, like orders/stop-work.ts: time is a parameter, a refused move
// comes back as `rejected` with the reason, never as a throw.

import { deadlineEndMs, isCalendarDate } from './deadline.js';
import type {
  Acceptance,
  FixPlan,
  Hazard,
  HazardCategory,
  HazardEvent,
  HazardEventKind,
  HazardGrade,
  HazardOutcome,
  HazardRejection,
  HazardSource,
  MajorBasis,
  Signed,
  SupervisionLevel,
} from './hazard-types.js';

export type * from './hazard-types.js';

interface Act {
  by: string;
  atMs: number;
}

export interface RegisterInput extends Act {
  id: string;
  site: string;
  region: string | null;
  timeZone: string;
  source: HazardSource;
  sourceRef?: string | null;
  category: HazardCategory;
  description: string;
  location: string;
  /** Who found it and when; the registering clerk may be someone else, later. */
  foundBy: string;
  foundAtMs: number;
  stopWorkOrderId?: string | null;
}

/** A new record. Who found it and what it is are required: a hazard nobody can find again is lost. */
export function registerHazard(input: RegisterInput): { next: Hazard; events: HazardEvent[] } | { rejected: HazardRejection; detail: string } {
  const by = input.by.trim();
  if (by === '') return { rejected: 'ACTOR_REQUIRED', detail: 'name who registers the hazard' };
  const missing = (['description', 'location', 'foundBy'] as const).filter((f) => input[f].trim() === '');
  if (missing.length > 0) return { rejected: 'FIELD_REQUIRED', detail: `missing: ${missing.join(', ')}` };
  if (input.foundAtMs > input.atMs) return { rejected: 'FIELD_REQUIRED', detail: 'foundAt is later than now: a hazard cannot be found in the future' };
  const next: Hazard = {
    id: input.id,
    site: input.site,
    region: input.region,
    timeZone: input.timeZone,
    state: 'registered',
    source: input.source,
    sourceRef: input.sourceRef ?? null,
    category: input.category,
    description: input.description.trim(),
    location: input.location.trim(),
    foundBy: input.foundBy.trim(),
    foundAtMs: input.foundAtMs,
    registeredBy: by,
    registeredAtMs: input.atMs,
    grading: null,
    plan: null,
    extensions: [],
    supervision: null,
    stopWorkOrderId: input.stopWorkOrderId ?? null,
    noOrderReason: null,
    progress: [],
    acceptanceRequest: null,
    acceptance: null,
    closure: null,
  };
  const from = next.sourceRef === null ? input.source : `${input.source} ${next.sourceRef}`;
  return { next, events: [event(next, 'registered', by, input.atMs, `${from}: ${next.description}`)] };
}

export interface GradeInput extends Act {
  grade: HazardGrade;
  basis?: MajorBasis | null;
  criterion?: string | null;
}

/**
 * 定级. A major grade names its basis and criterion: 16号令 第三条 defines 重大 by its consequence (work
 * stopped, or beyond the unit alone), the 2023 gas standard by a listed situation; an officer who
 * cannot say which does not yet know it is major. Regrading is allowed until the hazard is closed
 * (an inspector may find a general hazard major), and is its own audit line.
 */
export function gradeHazard(h: Hazard, input: GradeInput): HazardOutcome {
  if (h.state === 'closed') return refuse(h, 'ALREADY_CLOSED', `hazard ${h.id} is closed`);
  if (h.state === 'acceptance_requested') return refuse(h, 'WRONG_STATE', 'acceptance is pending: accept or refuse it before regrading');
  const by = input.by.trim();
  if (by === '') return refuse(h, 'ACTOR_REQUIRED', 'name who grades the hazard');
  const criterion = input.criterion?.trim() ?? '';
  if (input.grade === 'major' && (input.basis == null || criterion === '')) {
    return refuse(h, 'CRITERION_REQUIRED', 'a major hazard names its basis (2023 gas standard or 16号令 第三条) and the criterion that makes it major');
  }
  const grading = { grade: input.grade, basis: input.grade === 'major' ? input.basis! : null, criterion: input.grade === 'major' ? criterion : null, by, atMs: input.atMs };
  const regrade = h.grading !== null;
  const next: Hazard = { ...h, grading, state: h.state === 'registered' ? 'graded' : h.state };
  const note = input.grade === 'major' ? `重大 major: ${grading.basis}: ${criterion}` : '一般 general';
  return { next, events: [event(h, regrade ? 'regraded' : 'graded', by, input.atMs, regrade ? `${h.grading!.grade} → ${note}` : note)] };
}

export interface PlanInput extends Act {
  responsible: string;
  measures: string;
  fundsYuan?: number | null;
  deadlineDate: string;
  emergencyPlan?: string | null;
}

/**
 * The fix plan (整改方案) with its 五落实; the hazard is then being rectified. Responsibility,
 * measures and a deadline are always required; a major hazard also needs funds and an emergency
 * plan (16号令 第十五条 lists both in a major hazard's plan). A deadline already over is refused: a
 * plan that starts overdue is a paper plan.
 */
export function planFix(h: Hazard, input: PlanInput): HazardOutcome {
  if (h.state === 'closed') return refuse(h, 'ALREADY_CLOSED', `hazard ${h.id} is closed`);
  if (h.state !== 'graded') return refuse(h, 'WRONG_STATE', h.state === 'registered' ? 'grade the hazard before planning its fix' : `the plan is set (${h.state}); extend the deadline instead`);
  const by = input.by.trim();
  if (by === '') return refuse(h, 'ACTOR_REQUIRED', 'name who sets the plan');
  const major = h.grading?.grade === 'major';
  const missing: string[] = [];
  if (input.responsible.trim() === '') missing.push('responsible (责任落实)');
  if (input.measures.trim() === '') missing.push('measures (措施落实)');
  if (major && (input.fundsYuan == null || input.fundsYuan <= 0)) missing.push('fundsYuan (资金落实)');
  if (major && (input.emergencyPlan ?? '').trim() === '') missing.push('emergencyPlan (预案落实)');
  if (missing.length > 0) return refuse(h, 'PLAN_INCOMPLETE', `the fix plan lacks ${missing.join(', ')}${major ? ' (a major hazard needs all five, 16号令 第十五条)' : ''}`);
  const deadline = checkDeadline(h, input.deadlineDate, input.atMs);
  if ('rejected' in deadline) return deadline.rejected;
  const plan: FixPlan = {
    responsible: input.responsible.trim(),
    measures: input.measures.trim(),
    fundsYuan: input.fundsYuan ?? null,
    deadlineDate: input.deadlineDate,
    deadlineMs: deadline.ms,
    emergencyPlan: input.emergencyPlan?.trim() || null,
    by,
    atMs: input.atMs,
  };
  const next: Hazard = { ...h, plan, state: 'rectifying' };
  return { next, events: [event(h, 'planned', by, input.atMs, `${plan.responsible} by ${plan.deadlineDate}: ${plan.measures}`)] };
}

/** A line of the progress log (整改进展), from whoever works on it, while it is being rectified. */
export function reportProgress(h: Hazard, input: Act & { note: string }): HazardOutcome {
  const signed = sign(h, input);
  if ('rejected' in signed) return signed.rejected;
  if (h.state !== 'rectifying') return refuse(h, h.state === 'closed' ? 'ALREADY_CLOSED' : 'WRONG_STATE', `progress is reported while rectifying (hazard is ${h.state})`);
  return { next: { ...h, progress: [...h.progress, signed] }, events: [event(h, 'progress', signed.by, input.atMs, signed.note)] };
}

/** The fixer reports the fix done and asks for acceptance (申请验收); he is then barred from accepting it. */
export function requestAcceptance(h: Hazard, input: Act & { note: string }): HazardOutcome {
  const signed = sign(h, input);
  if ('rejected' in signed) return signed.rejected;
  if (h.state !== 'rectifying') return refuse(h, h.state === 'closed' ? 'ALREADY_CLOSED' : 'WRONG_STATE', `acceptance is requested while rectifying (hazard is ${h.state})`);
  return { next: { ...h, state: 'acceptance_requested', acceptanceRequest: signed }, events: [event(h, 'acceptance_requested', signed.by, input.atMs, signed.note)] };
}

/**
 * The acceptance verdict (验收). Four eyes: the acceptor is neither the person who reported the fix
 * done nor the plan's responsible person, who both vouch for their own work. Names are compared
 * NFKC-folded, trimmed and case-blind. A pass keeps the hazard waiting for 销号; a refusal sends it
 * back to rectifying with the reason.
 */
export function judgeAcceptance(h: Hazard, input: Act & { note: string; result: Acceptance['result']; evidence?: string }): HazardOutcome {
  const signed = sign(h, input);
  if ('rejected' in signed) return signed.rejected;
  if (h.state !== 'acceptance_requested') return refuse(h, h.state === 'closed' ? 'ALREADY_CLOSED' : 'WRONG_STATE', `no acceptance requested (hazard is ${h.state})`);
  if (h.acceptance?.result === 'passed') return refuse(h, 'WRONG_STATE', `already accepted by ${h.acceptance.by}: close it (销号)`);
  const fixers = [h.acceptanceRequest?.by, h.plan?.responsible].filter((n): n is string => n !== undefined);
  const self = fixers.find((n) => samePerson(n, signed.by));
  if (self !== undefined) return refuse(h, 'SAME_PERSON', `the acceptor must not be the person who fixed it or answers for the fix (${self})`);
  const evidence = input.evidence?.trim() ?? '';
  if (input.result === 'passed' && evidence === '') return refuse(h, 'FIELD_REQUIRED', 'an accepted fix names its evidence (test report, reading, photo)');
  const acceptance: Acceptance = { ...signed, result: input.result, evidence };
  if (input.result === 'passed') return { next: { ...h, acceptance }, events: [event(h, 'accepted', signed.by, input.atMs, `${signed.note} [${evidence}]`)] };
  const next: Hazard = { ...h, state: 'rectifying', acceptance, acceptanceRequest: null };
  return { next, events: [event(h, 'acceptance_refused', signed.by, input.atMs, signed.note)] };
}

/** 销号: struck off the ledger once a fix was accepted. The fixer cannot strike off his own fix. */
export function closeHazard(h: Hazard, input: Act & { note: string }): HazardOutcome {
  const signed = sign(h, input);
  if ('rejected' in signed) return signed.rejected;
  if (h.state === 'closed') return refuse(h, 'ALREADY_CLOSED', `closed by ${h.closure?.by}`);
  if (h.state !== 'acceptance_requested' || h.acceptance?.result !== 'passed') return refuse(h, 'ACCEPTANCE_MISSING', 'no accepted fix to strike off: acceptance (验收) comes first');
  const fixer = [h.acceptanceRequest?.by, h.plan?.responsible].find((n) => n !== undefined && samePerson(n, signed.by));
  if (fixer !== undefined) return refuse(h, 'SAME_PERSON', `the person who fixed it or answers for the fix (${fixer}) does not strike it off`);
  return { next: { ...h, state: 'closed', closure: signed }, events: [event(h, 'closed', signed.by, input.atMs, signed.note)] };
}

/** Extension of the deadline (延期): later than the current one, with a reason, while not closed. */
export function extendDeadline(h: Hazard, input: Act & { note: string; deadlineDate: string }): HazardOutcome {
  const signed = sign(h, input);
  if ('rejected' in signed) return signed.rejected;
  if (h.state === 'closed') return refuse(h, 'ALREADY_CLOSED', `hazard ${h.id} is closed`);
  if (h.plan === null) return refuse(h, 'WRONG_STATE', 'no deadline yet: set the fix plan first');
  const deadline = checkDeadline(h, input.deadlineDate, input.atMs);
  if ('rejected' in deadline) return deadline.rejected;
  if (input.deadlineDate <= h.plan.deadlineDate) return refuse(h, 'DEADLINE_NOT_LATER', `the new deadline ${input.deadlineDate} is not after ${h.plan.deadlineDate}`);
  const extension = { ...signed, fromDate: h.plan.deadlineDate, toDate: input.deadlineDate };
  const next: Hazard = { ...h, plan: { ...h.plan, deadlineDate: input.deadlineDate, deadlineMs: deadline.ms }, extensions: [...h.extensions, extension] };
  return { next, events: [event(h, 'deadline_extended', signed.by, input.atMs, `${extension.fromDate} → ${extension.toDate}: ${signed.note}`)] };
}

/** 挂牌督办: put under supervision, or raised a level; a lower level than the current one is refused. */
export function superviseHazard(h: Hazard, input: Act & { level: SupervisionLevel; authority: string; noticeNumber: string }): HazardOutcome {
  const by = input.by.trim();
  if (by === '') return refuse(h, 'ACTOR_REQUIRED', 'name who records the supervision');
  if (h.state === 'closed') return refuse(h, 'ALREADY_CLOSED', `hazard ${h.id} is closed`);
  if (input.authority.trim() === '' || input.noticeNumber.trim() === '') return refuse(h, 'FIELD_REQUIRED', 'supervision names the issuing authority and the notice number (督办通知书文号)');
  const rank = { county: 1, city: 2, province: 3 } as const;
  if (h.supervision !== null && rank[input.level] < rank[h.supervision.level]) return refuse(h, 'WRONG_STATE', `already supervised at ${h.supervision.level} level`);
  const supervision = { level: input.level, authority: input.authority.trim(), noticeNumber: input.noticeNumber.trim(), by, atMs: input.atMs };
  return { next: { ...h, supervision }, events: [event(h, 'supervised', by, input.atMs, `${supervision.level}: ${supervision.authority} ${supervision.noticeNumber}`)] };
}

/** The stop-work order the hazard needed or came from; linking the same order again changes nothing. */
export function linkStopWorkOrder(h: Hazard, input: Act & { orderId: string }): HazardOutcome {
  if (h.stopWorkOrderId === input.orderId) return { next: h, events: [] };
  if (h.stopWorkOrderId !== null) return refuse(h, 'ORDER_ALREADY_LINKED', `linked to order ${h.stopWorkOrderId}`);
  return { next: { ...h, stopWorkOrderId: input.orderId }, events: [event(h, 'order_linked', input.by, input.atMs, input.orderId)] };
}

/** An officer records why a major hazard goes without a stop-work order (e.g. the part is already isolated). */
export function recordNoOrderReason(h: Hazard, input: Act & { note: string }): HazardOutcome {
  const signed = sign(h, input);
  if ('rejected' in signed) return signed.rejected;
  if (h.state === 'closed') return refuse(h, 'ALREADY_CLOSED', `hazard ${h.id} is closed`);
  return { next: { ...h, noOrderReason: signed }, events: [event(h, 'no_order_reason', signed.by, input.atMs, signed.note)] };
}

/** A second report of the same thing (another alarm, the order's rectification) joins the existing record's trail. */
export function noteSource(h: Hazard, input: Act & { note: string }): HazardOutcome {
  return { next: h, events: [event(h, 'source_linked', input.by, input.atMs, input.note)] };
}

/** Past its deadline and not reported fixed: the unit has not done what it undertook. */
export function isOverdue(h: Hazard, nowMs: number): boolean {
  return h.state === 'rectifying' && h.plan !== null && nowMs >= h.plan.deadlineMs;
}

/** A major hazard that should have a stop-work order and has neither one nor a recorded reason. */
export function needsOrderDecision(h: Hazard): boolean {
  return h.state !== 'closed' && h.grading?.grade === 'major' && h.stopWorkOrderId === null && h.noOrderReason === null;
}

function checkDeadline(h: Hazard, date: string, atMs: number): { ms: number } | { rejected: HazardOutcome } {
  if (!isCalendarDate(date)) return { rejected: refuse(h, 'DEADLINE_INVALID', `deadline ${date} is not a date (YYYY-MM-DD)`) };
  const ms = deadlineEndMs(date, h.timeZone);
  if (ms <= atMs) return { rejected: refuse(h, 'DEADLINE_PASSED', `deadline ${date} has already ended in ${h.timeZone}`) };
  return { ms };
}

function sign(h: Hazard, input: Act & { note: string }): Signed | { rejected: HazardOutcome } {
  const by = input.by.trim();
  const note = input.note.trim();
  if (by === '') return { rejected: refuse(h, 'ACTOR_REQUIRED', 'name who acts') };
  if (note === '') return { rejected: refuse(h, 'NOTE_REQUIRED', 'a note is required') };
  return { by, note, atMs: input.atMs };
}

export function samePerson(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFKC').trim().toLowerCase();
  return norm(a) === norm(b);
}

function event(h: Hazard, kind: HazardEventKind, actor: string, atMs: number, note: string | null): HazardEvent {
  return { hazardId: h.id, kind, actor, note, atMs };
}

function refuse(h: Hazard, rejected: HazardRejection, detail: string): HazardOutcome {
  return { next: h, events: [], rejected, detail };
}
