// Inspection rounds (巡检) over HTTP: the list (paged, scoped in the SQL), one round, scheduling a
// site's round for this month, starting it, recording items, completing it, and completion rates
// per region and month. A round or site outside the caller's scope answers 404, as if it did not exist.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { InspectionService, InspectionMove, RoundAct } from '../../../gateway/src/inspections/inspection-service.js';
import type { Round } from '../../../gateway/src/inspections/round.js';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { principalOf } from '../auth.js';
import { scopeOf } from '../scope-of.js';
import { answers, idParam, limitQuery } from '../schemas.js';

const MONTH = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month YYYY-MM (in the site calendar)');
const params = z.object({ id: z.string().min(1).max(100) });
/** `month_id` of the last round of the previous page. */
const cursor = z.string().regex(/^\d{4}-\d{2}_[A-Za-z0-9_-]{1,100}$/, 'after: the `next` of the previous page');
const listQuery = z
  .object({ site: idParam('site').optional(), month: MONTH.optional(), state: z.enum(['scheduled', 'in_progress', 'completed']).optional(), overdue: z.enum(['true', 'false']).optional(), limit: limitQuery(500, 100), after: cursor.optional() })
  .strict();
const rateQuery = z.object({ from: MONTH, to: MONTH }).strict();
const scheduleBody = z.object({ site: idParam('site') }).strict();
const itemBody = z
  .object({ result: z.enum(['passed', 'failed', 'not_applicable']), note: z.string().trim().max(4000).optional() })
  .strict();
const itemParams = z.object({ id: z.string().min(1).max(100), item: z.string().min(1).max(100) });
const roundSchema = z.looseObject({ id: z.string(), site: z.string(), state: z.string(), overdue: z.boolean() }).describe('InspectionRound');

/** A refusal of the round's state is a conflict (409); one the caller corrects in the request is 400. */
const CONFLICTS = new Set(['NOT_SCHEDULED', 'NOT_IN_PROGRESS', 'BEFORE_WINDOW', 'ITEMS_UNRECORDED']);

function answer(move: InspectionMove, id: string): Round {
  if (move.ok) return move.round;
  if (move.rejected === 'NOT_FOUND' || move.rejected === 'UNKNOWN_SITE') throw new ApiError(404, move.detail);
  throw new ApiError(CONFLICTS.has(move.rejected) ? 409 : 400, `inspection round ${id}: ${move.detail}`, { reason: move.rejected });
}

export function inspectionRoutes(ctx: ApiContext) {
  function book(): InspectionService {
    const b = ctx.deps.inspections;
    if (b === undefined) throw new ApiError(501, 'inspection rounds are not available in this gateway build');
    return b;
  }
  const view = (r: Round) => ({ ...r, overdue: book().isOverdue(r) });
  const actor = (request: FastifyRequest) => {
    const p = principalOf(request);
    return { name: p.name, tokenId: p.tokenId, role: p.role };
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/inspections',
      { config: { role: 'viewer' }, schema: { summary: 'Inspection rounds within the caller scope, newest month first, a page at a time', querystring: listQuery, response: answers({ 200: z.object({ rounds: z.array(roundSchema), next: z.string().optional() }) }, 400, 501) } },
      async (request) => {
        const q = request.query;
        const after = q.after === undefined ? undefined : { month: q.after.slice(0, 7), id: q.after.slice(8) };
        const rows = book().list(scopeOf(request), { ...(q.site ? { site: q.site } : {}), ...(q.month ? { month: q.month } : {}), ...(q.state ? { state: q.state } : {}), overdue: q.overdue === 'true', limit: q.limit + 1, ...(after ? { after } : {}) });
        const page = rows.slice(0, q.limit);
        const last = page[page.length - 1];
        return { rounds: page.map(view), ...(rows.length > q.limit && last ? { next: `${book().monthOf(last)}_${last.id}` } : {}) };
      },
    );

    r.get(
      '/inspections/rates',
      { config: { role: 'viewer' }, schema: { summary: 'Rounds due, completed and completed on time per region and month, within the caller scope', querystring: rateQuery, response: answers({ 200: z.object({ rates: z.array(z.looseObject({ month: z.string(), due: z.number(), completed: z.number(), rate: z.number() })) }) }, 400, 501) } },
      async (request) => {
        if (request.query.from > request.query.to) throw new ApiError(400, 'from must not be after to');
        return { rates: book().completionRates(scopeOf(request), request.query.from, request.query.to) };
      },
    );

    r.get(
      '/inspections/:id',
      { config: { role: 'viewer' }, schema: { summary: 'One inspection round', params, response: answers({ 200: z.object({ round: roundSchema }) }, 404, 501) } },
      async (request) => {
        const round = book().get(request.params.id, scopeOf(request));
        if (round === undefined) throw new ApiError(404, `no inspection round ${request.params.id}`);
        return { round: view(round) };
      },
    );

    r.post(
      '/inspections',
      { config: { role: 'owner', act: 'scheduling an inspection round' }, schema: { summary: "Schedule the site's round for this month (the existing one if already scheduled)", body: scheduleBody, response: answers({ 200: z.object({ round: roundSchema }), 201: z.object({ round: roundSchema }) }, 400, 403, 404, 501) } },
      async (request, reply) => {
        const move = book().schedule(request.body.site, actor(request), scopeOf(request));
        const round = answer(move, 'new');
        return reply.status(move.ok && move.created ? 201 : 200).send({ round: view(round) });
      },
    );

    function act(path: string, summary: string, toAct: (request: FastifyRequest) => RoundAct, body?: z.ZodType): void {
      r.post(
        path,
        { config: { role: 'owner', act: summary }, schema: { summary, params: path.includes(':item') ? itemParams : params, ...(body ? { body } : {}), response: answers({ 200: z.object({ round: roundSchema }) }, 400, 403, 404, 409, 501) } },
        async (request) => {
          const id = (request.params as { id: string }).id;
          return { round: view(answer(book().act(id, toAct(request), actor(request), scopeOf(request)), id)) };
        },
      );
    }
    act('/inspections/:id/start', 'starting an inspection round', () => ({ kind: 'start' }));
    act(
      '/inspections/:id/items/:item',
      'recording an inspection item',
      (request) => {
        const b = request.body as z.output<typeof itemBody>;
        return { kind: 'record', item: (request.params as { item: string }).item, result: b.result, note: b.note ?? null };
      },
      itemBody,
    );
    act('/inspections/:id/complete', 'completing an inspection round', () => ({ kind: 'complete' }));
  };
}
