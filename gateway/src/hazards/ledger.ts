// The hazard ledger as a service: each act loads the record, runs the pure move (hazard.ts), and
// saves the record, its trail and its audit-log entry in one IMMEDIATE transaction on state.db, so
// a hazard is never changed without the chained audit entry that says who changed it.

import { randomBytes } from 'node:crypto';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Scope } from '../contract/scope.js';
import type { Db } from '../store/sqlite.js';
import type { Logger } from '../log.js';
import {
  closeHazard,
  extendDeadline,
  gradeHazard,
  judgeAcceptance,
  linkStopWorkOrder,
  planFix,
  recordNoOrderReason,
  registerHazard,
  reportProgress,
  requestAcceptance,
  superviseHazard,
  noteSource,
} from './hazard.js';
import { isOverdue } from './hazard.js';
import type { Acceptance, Hazard, HazardEvent, HazardOutcome } from './hazard-types.js';
import type { HazardRepository } from './repository.js';
import { hazardReport, type HazardReport } from './report.js';
import type { ReportPeriod } from './report-period.js';
import type { HazardAct, HazardQuery, HazardService, HazardTrailLine, LedgerActor, LedgerMove, NewHazard } from './hazard-service.js';

export type { HazardAct, LedgerActor, LedgerMove, NewHazard } from './hazard-service.js';

/** What the ledger needs to know of a site: its region and wall clock. */
export type SiteLookup = (site: string) => { readonly region: string | null; readonly timeZone: string } | undefined;

export interface LedgerDeps {
  readonly db: Db;
  readonly repo: HazardRepository;
  readonly audit: AuditTrail;
  readonly clock: () => number;
  readonly site: SiteLookup;
  readonly log: Logger;
  /** Hazard ids; `HZ-` and 12 hex digits by default. */
  readonly newId?: () => string;
}

export class HazardLedger implements HazardService {
  private readonly newId: () => string;

  constructor(private readonly deps: LedgerDeps) {
    this.newId = deps.newId ?? (() => `HZ-${randomBytes(6).toString('hex')}`);
  }

  report(scope: Scope, period: ReportPeriod, region: string | undefined): HazardReport | undefined {
    if (region !== undefined && this.deps.db.prepare('SELECT 1 FROM region WHERE id = ?').get(region) === undefined) return undefined;
    return hazardReport(this.deps.db, scope, period, region, this.deps.clock());
  }

  /** A new hazard at a known site, its region and time zone taken from the fleet at this moment. */
  register(input: NewHazard, actor: LedgerActor, scope?: Scope): LedgerMove {
    return this.registerIn(input, actor, scope, false);
  }

  /**
   * The hazard a source already made, or a new one: an alarm, an order or a device reported twice
   * is one record. `created` says which; a record that exists is returned unchanged.
   */
  registerOnce(input: NewHazard & { sourceRef: string }, actor: LedgerActor): LedgerMove {
    return this.registerIn(input, actor, undefined, true);
  }

  private registerIn(input: NewHazard, actor: LedgerActor, scope: Scope | undefined, once: boolean): LedgerMove {
    const site = this.deps.site(input.site);
    if (site === undefined || (scope !== undefined && !this.deps.repo.siteWithin(input.site, scope))) return { ok: false, rejected: 'UNKNOWN_SITE', detail: `no site ${input.site}` };
    return this.tx(() => {
      // Looked up inside the write lock: two tellers of the same source make one record.
      const ref = input.sourceRef ?? null;
      const existing = ref === null ? undefined : this.deps.repo.bySource(input.source, ref);
      if (existing !== undefined) {
        return once ? { ok: true, hazard: existing, events: [], created: false } : { ok: false, rejected: 'DUPLICATE_SOURCE', detail: `${input.source} ${ref} is already hazard ${existing.id}` };
      }
      const atMs = this.deps.clock();
      const out = registerHazard({ ...input, id: this.newId(), by: actor.name, atMs, region: site.region, timeZone: site.timeZone });
      if ('rejected' in out) return { ok: false, rejected: out.rejected, detail: out.detail };
      this.persist(out.next, out.events, actor, 'hazard.register', atMs, { source: out.next.source, sourceRef: out.next.sourceRef, category: out.next.category, description: out.next.description });
      return { ok: true, hazard: out.next, events: out.events, ...(once ? { created: true } : {}) };
    });
  }

  /** One act on a hazard; with a scope, a hazard outside it is NOT_FOUND, as if it did not exist. */
  act(id: string, act: HazardAct, actor: LedgerActor, scope?: Scope): LedgerMove {
    return this.tx(() => {
      const h = this.deps.repo.get(id, scope);
      if (h === undefined) return { ok: false, rejected: 'NOT_FOUND', detail: `no hazard ${id}` };
      const atMs = this.deps.clock();
      const out = step(h, act, actor.name, atMs);
      if (out.rejected !== undefined) return { ok: false, rejected: out.rejected, detail: out.detail ?? out.rejected };
      if (out.events.length === 0) return { ok: true, hazard: out.next, events: [] };
      const { kind, ...detail } = act;
      this.persist(out.next, out.events, actor, `hazard.${kind}`, atMs, detail);
      return { ok: true, hazard: out.next, events: out.events };
    });
  }

  get(id: string, scope?: Scope): Hazard | undefined {
    return this.deps.repo.get(id, scope);
  }

  list(scope: Scope, query: HazardQuery): Hazard[] {
    const { overdue, ...rest } = query;
    return this.deps.repo.list(scope, { ...rest, ...(overdue ? { overdueAtMs: this.deps.clock() } : {}) });
  }

  trail(id: string): HazardTrailLine[] {
    return this.deps.repo.events(id);
  }

  isOverdue(h: Hazard, nowMs: number): boolean {
    return isOverdue(h, nowMs);
  }

  private persist(h: Hazard, events: readonly HazardEvent[], actor: LedgerActor, action: string, atMs: number, detail: Record<string, unknown>): void {
    this.deps.repo.save(h, events);
    this.deps.audit.append({
      atMs,
      actor: actor.name,
      action,
      target: h.id,
      // `site` lets a scoped reader of the audit log find the entries about its sites.
      detail: { site: h.site, state: h.state, ...detail, ...(actor.tokenId !== undefined ? { tokenId: actor.tokenId } : {}), ...(actor.role !== undefined ? { role: actor.role } : {}) },
    });
    this.deps.log.info({ hazard: h.id, site: h.site, action, state: h.state, actor: actor.name }, 'hazard moved');
  }

  private tx(run: () => LedgerMove): LedgerMove {
    // IMMEDIATE: the read of the record and its write hold the write lock, so two officers acting
    // at once are serialised and the second sees the first's move.
    return this.deps.db.transaction(run).immediate();
  }
}

function step(h: Hazard, act: HazardAct, by: string, atMs: number): HazardOutcome {
  switch (act.kind) {
    case 'grade':
      return gradeHazard(h, { grade: act.grade, basis: act.basis ?? null, criterion: act.criterion ?? null, by, atMs });
    case 'plan':
      return planFix(h, { responsible: act.responsible, measures: act.measures, fundsYuan: act.fundsYuan ?? null, deadlineDate: act.deadlineDate, emergencyPlan: act.emergencyPlan ?? null, by, atMs });
    case 'progress':
      return reportProgress(h, { note: act.note, by, atMs });
    case 'request_acceptance':
      return requestAcceptance(h, { note: act.note, by, atMs });
    case 'accept':
    case 'refuse': {
      const result: Acceptance['result'] = act.kind === 'accept' ? 'passed' : 'refused';
      return judgeAcceptance(h, { result, note: act.note, evidence: act.kind === 'accept' ? act.evidence : '', by, atMs });
    }
    case 'close':
      return closeHazard(h, { note: act.note, by, atMs });
    case 'extend':
      return extendDeadline(h, { note: act.note, deadlineDate: act.deadlineDate, by, atMs });
    case 'supervise':
      return superviseHazard(h, { level: act.level, authority: act.authority, noticeNumber: act.noticeNumber, by, atMs });
    case 'link_order':
      return linkStopWorkOrder(h, { orderId: act.orderId, by, atMs });
    case 'no_order_reason':
      return recordNoOrderReason(h, { note: act.note, by, atMs });
    case 'note_source':
      return noteSource(h, { note: act.note, by, atMs });
  }
}
