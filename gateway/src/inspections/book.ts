// The inspection book (巡检记录): schedules a site's round for the current period and carries out
// each move of the machine (round.ts) with its audit entry in one transaction. A completed round's
// failed items become hazard-ledger records (source 'patrol', one per round and item), kept beside
// the round as candidates so a round without a ledger still says what it found.

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../store/sqlite.js';
import type { Scope } from '../contract/scope.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { HazardLedger, LedgerActor } from '../hazards/ledger.js';
import { checklistFor } from './checklists.js';
import { completeRound, isOverdue, recordItem, scheduleRound, startRound, type Round, type RoundEvent, type RoundOutcome } from './round.js';
import { localMonth, monthWindow } from './window.js';
import type { InspectionRepository } from './repository.js';
import type { CompletionRate, InspectionMove, InspectionService, RoundAct, RoundQuery } from './inspection-service.js';

export type { CompletionRate, InspectionMove, RoundAct } from './inspection-service.js';

/** What the book needs to know of a site, read from the fleet at the moment of the move. */
export type InspectionSiteLookup = (site: string) => { readonly region: string | null; readonly timeZone: string; readonly preset?: string | undefined } | undefined;

export interface InspectionBookDeps {
  readonly db: Db;
  readonly repo: InspectionRepository;
  readonly audit: AuditTrail;
  readonly clock: () => number;
  readonly site: InspectionSiteLookup;
  readonly log: Logger;
  /** When given, failed items are registered in the hazard ledger. */
  readonly hazards?: Pick<HazardLedger, 'registerOnce'>;
  readonly newId?: () => string;
}

export class InspectionBook implements InspectionService {
  private readonly newId: () => string;

  constructor(private readonly deps: InspectionBookDeps) {
    this.newId = deps.newId ?? (() => `IN-${randomBytes(6).toString('hex')}`);
  }

  /** The site's round for the month now is in (site-local, monthly by default); the existing one if already scheduled. */
  schedule(siteId: string, actor: LedgerActor, scope?: Scope): InspectionMove {
    const site = this.deps.site(siteId);
    if (site === undefined || (scope !== undefined && !this.siteWithin(siteId, scope))) return { ok: false, rejected: 'UNKNOWN_SITE', detail: `no site ${siteId}` };
    return this.tx(() => {
      const atMs = this.deps.clock();
      const month = localMonth(atMs, site.timeZone);
      const existing = this.deps.repo.bySiteMonth(siteId, month);
      if (existing !== undefined) return { ok: true, round: existing, created: false };
      const out = scheduleRound({ id: this.newId(), site: siteId, checklist: checklistFor(site.preset), window: monthWindow(month, site.timeZone), atMs });
      this.deps.repo.insert(out.next, site.region, month);
      this.audited(out.next, out.events, actor, 'inspection.schedule', { month, checklist: out.next.checklist });
      return { ok: true, round: out.next, created: true };
    });
  }

  /** One act on a round; a round outside the scope is NOT_FOUND, as if it did not exist. */
  act(id: string, act: RoundAct, actor: LedgerActor, scope?: Scope): InspectionMove {
    return this.tx(() => {
      const round = this.deps.repo.get(id, scope);
      if (round === undefined) return { ok: false, rejected: 'NOT_FOUND', detail: `no inspection round ${id}` };
      const atMs = this.deps.clock();
      const out = step(round, act, actor.name, atMs);
      if (out.rejected !== undefined) return { ok: false, rejected: out.rejected, detail: out.detail !== undefined ? `${out.rejected}: ${out.detail.join(', ')}` : out.rejected };
      this.deps.repo.update(out.next);
      const { kind, ...detail } = act;
      this.audited(out.next, out.events, actor, `inspection.${kind}`, detail);
      if (act.kind === 'complete') this.fileFailures(out.next, actor, atMs);
      return { ok: true, round: out.next };
    });
  }

  get(id: string, scope?: Scope): Round | undefined {
    return this.deps.repo.get(id, scope);
  }

  /** A page of rounds within a scope, newest month first; `overdue` reads the clock once here. */
  list(scope: Scope, q: RoundQuery): Round[] {
    const { overdue, ...rest } = q;
    return this.deps.repo.list(scope, { ...rest, ...(overdue ? { overdueAtMs: this.deps.clock() } : {}) });
  }

  /** Completion per region and local month, within a scope. */
  completionRates(scope: Scope, fromMonth: string, toMonth: string): CompletionRate[] {
    return this.deps.repo.completionRates(scope, fromMonth, toMonth);
  }

  /** The local month "YYYY-MM" a round's window covers (its site's zone). */
  monthOf(round: Round): string {
    return localMonth(round.window.startMs, this.deps.site(round.site)?.timeZone ?? 'Asia/Shanghai');
  }

  isOverdue(round: Round): boolean {
    return isOverdue(round, this.deps.clock());
  }

  private fileFailures(round: Round, actor: LedgerActor, atMs: number): void {
    for (const item of round.items) {
      if (item.result !== 'failed') continue;
      const listed = checklistFor(this.deps.site(round.site)?.preset).items.find((i) => i.id === item.id);
      const note = item.note ?? '';
      let hazardId: string | null = null;
      if (this.deps.hazards !== undefined) {
        const made = this.deps.hazards.registerOnce(
          { site: round.site, source: 'patrol', sourceRef: `${round.id}/${item.id}`, category: listed?.category ?? 'other', description: `${listed?.titleZh ?? item.id}: ${note}`, location: `巡检项 ${item.id}`, foundBy: item.by ?? actor.name, foundAtMs: item.atMs ?? atMs },
          actor,
        );
        // A refused hazard must not lose the finding: it stays a candidate and the log says why.
        if (made.ok) hazardId = made.hazard.id;
        else this.deps.log.error({ site: round.site, round: round.id, item: item.id, rejected: made.rejected, detail: made.detail }, 'inspection failure not registered as a hazard');
      }
      this.deps.repo.addCandidate({ roundId: round.id, item: item.id, site: round.site, note, atMs, hazardId });
    }
  }

  private siteWithin(site: string, scope: Scope): boolean {
    return this.deps.repo.siteWithin(site, scope);
  }

  private audited(r: Round, events: readonly RoundEvent[], actor: LedgerActor, action: string, detail: Record<string, unknown>): void {
    const atMs = events[0]?.atMs ?? this.deps.clock();
    this.deps.audit.append({
      atMs,
      actor: actor.name,
      action,
      target: r.id,
      detail: { site: r.site, state: r.state, ...detail, ...(actor.tokenId !== undefined ? { tokenId: actor.tokenId } : {}), ...(actor.role !== undefined ? { role: actor.role } : {}) },
    });
    this.deps.log.info({ round: r.id, site: r.site, action, state: r.state, actor: actor.name }, 'inspection moved');
  }

  private tx(run: () => InspectionMove): InspectionMove {
    // IMMEDIATE: two inspectors on one round are serialised; the second sees the first's record.
    return this.deps.db.transaction(run).immediate();
  }
}

function step(r: Round, act: RoundAct, by: string, atMs: number): RoundOutcome {
  switch (act.kind) {
    case 'start':
      return startRound(r, by, atMs);
    case 'record':
      return recordItem(r, { item: act.item, result: act.result, note: act.note ?? null, by, atMs });
    case 'complete':
      return completeRound(r, by, atMs);
  }
}
