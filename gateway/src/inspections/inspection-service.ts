// Inspection rounds as a front end holds them (the API): schedule, act, read, list, rates, each
// within the caller's scope. The implementation is book.ts over state.db.

import type { Scope } from '../contract/scope.js';
import type { ItemResult, Round, RoundRejection } from './round.js';

export interface InspectionActor {
  readonly name: string;
  readonly tokenId?: string;
  readonly role?: string;
}

export type InspectionMove =
  | { readonly ok: true; readonly round: Round; readonly created?: boolean }
  | { readonly ok: false; readonly rejected: RoundRejection | 'NOT_FOUND' | 'UNKNOWN_SITE'; readonly detail: string };

export type RoundAct = { kind: 'start' } | { kind: 'record'; item: string; result: ItemResult; note?: string | null } | { kind: 'complete' };

export interface CompletionRate {
  readonly region: string | null;
  readonly month: string;
  readonly due: number;
  readonly completed: number;
  readonly onTime: number;
  /** completed / due, 0..1. */
  readonly rate: number;
}

export interface RoundQuery {
  readonly month?: string;
  readonly site?: string;
  readonly state?: string;
  readonly overdue?: boolean;
  readonly limit: number;
  readonly after?: { readonly month: string; readonly id: string };
}

export interface InspectionService {
  /** The site's round for this month; a site outside the scope is UNKNOWN_SITE, as if it did not exist. */
  schedule(site: string, actor: InspectionActor, scope?: Scope): InspectionMove;
  /** A round outside the scope is NOT_FOUND. */
  act(id: string, act: RoundAct, actor: InspectionActor, scope?: Scope): InspectionMove;
  get(id: string, scope?: Scope): Round | undefined;
  list(scope: Scope, q: RoundQuery): Round[];
  completionRates(scope: Scope, fromMonth: string, toMonth: string): CompletionRate[];
  monthOf(round: Round): string;
  isOverdue(round: Round): boolean;
}
