// The hazard ledger (隐患台账) over HTTP: the list (paged, scoped in the SQL), one hazard with its
// trail, and each act of its life from registration to 销号. A hazard or a site outside the
// caller's scope answers 404, as if it did not exist. An owner may register a hazard at his site
// and report its progress and its fix; grading, the plan, acceptance, 销号, extension, supervision
// and the stop-work decision are an officer's.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HAZARD_CATEGORIES, HAZARD_SOURCES, MAJOR_BASES, type Hazard } from '../../../gateway/src/hazards/hazard-types.js';
import type { HazardAct, HazardService, LedgerMove } from '../../../gateway/src/hazards/hazard-service.js';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth.js';
import { scopeOf } from '../scope-of.js';
import type { Role } from '../token-store.js';
import { answers, idParam, limitQuery, note } from '../schemas.js';

/** What people find; alarms, stop-work orders and devices due for replacement are the gateway's own feeds (gateway/src/hazards/feeds.ts). */
const PEOPLE_SOURCES = ['self_check', 'patrol', 'inspector', 'public_report'] as const satisfies readonly (typeof HAZARD_SOURCES)[number][];
const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD (the last day, in the site calendar)');
const text = (max: number, say: string) => z.string().trim().min(1, say).max(max);
const hazardParams = z.object({ id: z.string().min(1).max(100) });
/** `registeredAtMs_id` of the last hazard of the previous page. */
const cursor = z.string().regex(/^\d{1,15}_[A-Za-z0-9_-]{1,100}$/, 'after: the `next` of the previous page');

const listQuery = z
  .object({
    site: idParam('site').optional(),
    state: z.enum(['registered', 'graded', 'rectifying', 'acceptance_requested', 'closed']).optional(),
    grade: z.enum(['general', 'major']).optional(),
    open: z.enum(['true', 'false']).optional(),
    overdue: z.enum(['true', 'false']).optional(),
    limit: limitQuery(500, 100),
    after: cursor.optional(),
  })
  .strict();

const registerBody = z
  .object({
    site: idParam('site'),
    /** What people found; alarms, stop-work orders and devices due for replacement enter the ledger by themselves. */
    source: z.enum(PEOPLE_SOURCES, { error: `one of ${PEOPLE_SOURCES.join(', ')} (alarms, stop-work orders and devices due for replacement enter the ledger by themselves)` }),
    /** The finder's own reference (an inspection notice number, a hotline ticket): one record per reference. */
    sourceRef: z.string().trim().min(1).max(200).optional(),
    category: z.enum(HAZARD_CATEGORIES),
    description: text(4000, 'describe the hazard'),
    location: text(500, 'say where on site it is'),
    /** Who found it; the caller when absent. */
    foundBy: z.string().trim().min(1).max(200).optional(),
    /** When it was found: ISO 8601 with offset or epoch ms; now when absent. */
    foundAt: z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).optional(),
  })
  .strict();

const gradeBody = z
  .object({ grade: z.enum(['general', 'major']), basis: z.enum(MAJOR_BASES).optional(), criterion: z.string().trim().max(1000).optional() })
  .strict();
const planBody = z
  .object({
    responsible: text(200, 'name the person responsible (责任落实)'),
    measures: text(4000, 'say the measures (措施落实)'),
    fundsYuan: z.number().nonnegative().max(1e12).optional(),
    deadline: DATE,
    emergencyPlan: z.string().trim().min(1).max(4000).optional(),
  })
  .strict();
const noteBody = z.object({ note }).strict();
const acceptBody = z.object({ note, evidence: text(2000, 'name the evidence (test report, reading, photo)') }).strict();
const extendBody = z.object({ note, deadline: DATE }).strict();
const superviseBody = z
  .object({ level: z.enum(['county', 'city', 'province']), authority: text(200, 'name the issuing authority'), noticeNumber: text(100, 'give the notice number (督办通知书文号)') })
  .strict();
const orderBody = z.object({ orderId: z.string().trim().min(1).max(100) }).strict();

const hazardSchema = z.looseObject({ id: z.string(), site: z.string(), state: z.string(), overdue: z.boolean() }).describe('Hazard');
const trailSchema = z.array(z.object({ id: z.number(), kind: z.string(), actor: z.string(), note: z.string().nullable(), atMs: z.number() }));

/** Refusals the caller corrects in the request (400) against those of the hazard's state (409). */
const CONFLICTS = new Set(['WRONG_STATE', 'ALREADY_CLOSED', 'SAME_PERSON', 'ACCEPTANCE_MISSING', 'ORDER_ALREADY_LINKED', 'DUPLICATE_SOURCE']);

function answer(move: LedgerMove, id: string): Hazard {
  if (move.ok) return move.hazard;
  if (move.rejected === 'NOT_FOUND') throw new ApiError(404, `no hazard ${id}`);
  if (move.rejected === 'UNKNOWN_SITE') throw new ApiError(404, move.detail);
  throw new ApiError(CONFLICTS.has(move.rejected) ? 409 : 400, `hazard ${id}: ${move.detail}`, { reason: move.rejected });
}

export function hazardRoutes(ctx: ApiContext) {
  function ledger(): HazardService {
    const h = ctx.deps.hazards;
    if (h === undefined) throw new ApiError(501, 'the hazard ledger is not available in this gateway build');
    return h;
  }
  const view = (h: Hazard) => ({ ...h, overdue: ledger().isOverdue(h, ctx.clock()) });
  const actor = (request: FastifyRequest) => {
    const p = principalOf(request);
    return { name: p.name, tokenId: p.tokenId, role: p.role };
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/hazards',
      {
        config: { role: 'viewer' },
        schema: { summary: 'The hazard ledger (隐患台账) within the caller scope, newest first, a page at a time', querystring: listQuery, response: answers({ 200: z.object({ hazards: z.array(hazardSchema), next: z.string().optional() }) }, 400, 501) },
      },
      async (request) => {
        const q = request.query;
        const after = q.after === undefined ? undefined : { registeredAtMs: Number(q.after.slice(0, q.after.indexOf('_'))), id: q.after.slice(q.after.indexOf('_') + 1) };
        const rows = ledger().list(scopeOf(request), { site: q.site, state: q.state, grade: q.grade, open: q.open === 'true', overdue: q.overdue === 'true', limit: q.limit + 1, after });
        const page = rows.slice(0, q.limit);
        const last = page[page.length - 1];
        return { hazards: page.map(view), ...(rows.length > q.limit && last ? { next: `${last.registeredAtMs}_${last.id}` } : {}) };
      },
    );

    r.get(
      '/hazards/:id',
      { config: { role: 'viewer' }, schema: { summary: 'One hazard with its trail, oldest line first', params: hazardParams, response: answers({ 200: z.object({ hazard: hazardSchema, trail: trailSchema }) }, 404, 501) } },
      async (request) => {
        const h = ledger().get(request.params.id, scopeOf(request));
        if (h === undefined) throw new ApiError(404, `no hazard ${request.params.id}`);
        return { hazard: view(h), trail: ledger().trail(h.id) };
      },
    );

    r.post(
      '/hazards',
      {
        config: { role: 'owner', act: 'registering a hazard' },
        schema: { summary: 'Register a hazard found at a site (登记)', body: registerBody, response: answers({ 201: z.object({ hazard: hazardSchema }) }, 400, 403, 404, 501) },
      },
      async (request, reply) => {
        const b = request.body;
        const now = ctx.clock();
        const foundAtMs = b.foundAt === undefined ? now : typeof b.foundAt === 'number' ? b.foundAt : Date.parse(b.foundAt);
        const who = actor(request);
        const input = { site: b.site, source: b.source, sourceRef: b.sourceRef ?? null, category: b.category, description: b.description, location: b.location, foundBy: b.foundBy ?? who.name, foundAtMs };
        const hazard = answer(ledger().register(input, who, scopeOf(request)), 'new');
        return reply.status(201).send({ hazard: view(hazard) });
      },
    );

    /** One act route: its body becomes the ledger's act, refused within the caller's scope. */
    function act<S extends z.ZodType>(path: string, role: Role, what: string, summary: string, body: S, toAct: (b: z.output<S>, id: string, request: FastifyRequest) => HazardAct): void {
      r.post(
        `/hazards/:id/${path}`,
        {
          config: { role, act: what },
          schema: { summary, params: hazardParams, body, response: answers({ 200: z.object({ hazard: hazardSchema }) }, 400, 403, 404, 409, 501) },
        },
        async (request) => {
          const { id } = request.params;
          return { hazard: view(answer(ledger().act(id, toAct(request.body as z.output<S>, id, request), actor(request), scopeOf(request)), id)) };
        },
      );
    }

    act('grade', 'officer', 'grading a hazard', 'Grade it 一般 or 重大 (a major grade names its basis and criterion)', gradeBody, (b) => ({ kind: 'grade', grade: b.grade, basis: b.basis ?? null, criterion: b.criterion ?? null }));
    act('plan', 'officer', 'setting a hazard fix plan', 'Set the fix plan (五落实): responsible, measures, funds, deadline, emergency plan', planBody, (b) => ({
      kind: 'plan',
      responsible: b.responsible,
      measures: b.measures,
      fundsYuan: b.fundsYuan ?? null,
      deadlineDate: b.deadline,
      emergencyPlan: b.emergencyPlan ?? null,
    }));
    act('progress', 'owner', 'reporting progress on a hazard', 'Report progress on the fix (整改进展)', noteBody, (b) => ({ kind: 'progress', note: b.note }));
    act('acceptance-request', 'owner', 'reporting a hazard fixed', 'Report the fix done and ask for acceptance (申请验收)', noteBody, (b) => ({ kind: 'request_acceptance', note: b.note }));
    act('accept', 'officer', 'accepting a hazard fix', 'Accept the fix (验收合格), not by its fixer', acceptBody, (b) => ({ kind: 'accept', note: b.note, evidence: b.evidence }));
    act('refuse', 'officer', 'refusing a hazard fix', 'Refuse the fix (验收不合格): back to rectifying', noteBody, (b) => ({ kind: 'refuse', note: b.note }));
    act('close', 'officer', 'striking off a hazard (销号)', 'Strike off an accepted hazard (销号)', noteBody, (b) => ({ kind: 'close', note: b.note }));
    act('extend', 'officer', 'extending a hazard deadline', 'Extend the deadline (延期), with the reason', extendBody, (b) => ({ kind: 'extend', note: b.note, deadlineDate: b.deadline }));
    act('supervision', 'officer', 'putting a hazard under supervision (挂牌督办)', 'Put under supervision (挂牌督办) or raise its level', superviseBody, (b) => ({ kind: 'supervise', level: b.level, authority: b.authority, noticeNumber: b.noticeNumber }));
    act('stop-work-order', 'officer', 'linking a stop-work order to a hazard', 'Link the stop-work order (停产停工令) the hazard needed', orderBody, (b, id, request) => {
      // The order must exist and stop work at the hazard's own site: a typo would otherwise close the question for good.
      const order = ctx.deps.orders.get(b.orderId);
      const hazard = ledger().get(id, scopeOf(request));
      if (hazard === undefined) throw new ApiError(404, `no hazard ${id}`);
      if (order === undefined || order.site !== hazard.site) throw new ApiError(400, `orderId: no stop-work order ${b.orderId} at site ${hazard.site}`);
      return { kind: 'link_order', orderId: b.orderId };
    });
    act('no-order-reason', 'officer', 'recording why a major hazard has no stop-work order', 'Record why a major hazard goes without a stop-work order', noteBody, (b) => ({ kind: 'no_order_reason', note: b.note }));
  };
}
