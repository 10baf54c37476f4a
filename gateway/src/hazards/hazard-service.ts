// The hazard ledger as a front end holds it (the API, a command line): register, act, read, list,
// each read within the caller's scope. The implementation is ledger.ts over state.db.

import type { HazardReport } from './report.js';
import type { ReportPeriod } from './report-period.js';
import type { Scope } from '../contract/scope.js';
import type { GradeInput, PlanInput, RegisterInput } from './hazard.js';
import type { Hazard, HazardEvent, HazardGrade, HazardRejection, HazardState, SupervisionLevel } from './hazard-types.js';

/** Who acts: a person's or token's name, with the token and role the audit entry keeps. */
export interface LedgerActor {
  readonly name: string;
  readonly tokenId?: string;
  readonly role?: string;
}

/** An act on an existing hazard, as the API and the feeds name it; the audit action is `hazard.<kind>`. */
export type HazardAct =
  | ({ kind: 'grade' } & Omit<GradeInput, 'by' | 'atMs'>)
  | ({ kind: 'plan' } & Omit<PlanInput, 'by' | 'atMs'>)
  | { kind: 'progress'; note: string }
  | { kind: 'request_acceptance'; note: string }
  | { kind: 'accept'; note: string; evidence: string }
  | { kind: 'refuse'; note: string }
  | { kind: 'close'; note: string }
  | { kind: 'extend'; note: string; deadlineDate: string }
  | { kind: 'supervise'; level: SupervisionLevel; authority: string; noticeNumber: string }
  | { kind: 'link_order'; orderId: string }
  | { kind: 'no_order_reason'; note: string }
  | { kind: 'note_source'; note: string };

export type LedgerMove =
  | { readonly ok: true; readonly hazard: Hazard; readonly events: readonly HazardEvent[]; readonly created?: boolean }
  | { readonly ok: false; readonly rejected: HazardRejection | 'NOT_FOUND' | 'UNKNOWN_SITE' | 'DUPLICATE_SOURCE'; readonly detail: string };

export type NewHazard = Omit<RegisterInput, 'id' | 'by' | 'atMs' | 'region' | 'timeZone'>;

export interface HazardQuery {
  readonly site?: string | undefined;
  readonly state?: HazardState | undefined;
  readonly grade?: HazardGrade | undefined;
  readonly open?: boolean | undefined;
  /** Only those past their deadline now and not reported fixed. */
  readonly overdue?: boolean | undefined;
  readonly limit: number;
  readonly after?: { readonly registeredAtMs: number; readonly id: string } | undefined;
}

export interface HazardTrailLine extends HazardEvent {
  readonly id: number;
}

export interface HazardService {
  /** A new hazard; with a scope, a site outside it is UNKNOWN_SITE, as if it did not exist. */
  register(input: NewHazard, actor: LedgerActor, scope?: Scope): LedgerMove;
  act(id: string, act: HazardAct, actor: LedgerActor, scope?: Scope): LedgerMove;
  get(id: string, scope?: Scope): Hazard | undefined;
  list(scope: Scope, query: HazardQuery): Hazard[];
  /** The hazard's trail, oldest first (the caller checked the hazard is within its scope). */
  trail(id: string): HazardTrailLine[];
  /** Past its deadline at `nowMs` and not reported fixed. */
  isOverdue(h: Hazard, nowMs: number): boolean;
  /** The period's statistics per region within the scope (report.ts); undefined for an unknown region. */
  report(scope: Scope, period: ReportPeriod, region: string | undefined): HazardReport | undefined;
}

export type { HazardReport } from './report.js';
