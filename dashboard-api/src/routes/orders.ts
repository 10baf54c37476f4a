// Stop-work orders (停产停工令): the list, and the officer's steps: rectification, inspection and
// the lift, refused with the reason while the site still has an active orange or red alarm, or a
// blind detector and no manual gas test.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { StopWorkOrder } from '../../../gateway/src/orders/stop-work.js';
import { ApiError } from '../errors.js';
import { audited, type ApiContext } from '../context.js';
import type { Moved, OrderActions } from '../deps.js';
import { principalOf } from '../auth.js';
import { scopeOf } from '../scope-of.js';
import { answers, idParam, limitQuery, note, orderSchema } from '../schemas.js';
import { QUANTITY_UNITS as GAS_TEST_UNITS } from '../../../gateway/src/config/quantities.js';
import type { ManualGasTest } from '../../../gateway/src/orders/stop-work.js';

const orderQuery = z
  .object({ site: idParam('site').optional(), state: z.enum(['active', 'lifted']).optional(), limit: limitQuery(1000, 200) })
  .strict();
const orderParams = z.object({ id: z.string().min(1).max(100) });
const noteBody = z.object({ note }).strict();
/** The manual gas test (人工气体检测): needed to lift while a detector of the site is offline, silent or in fault. */
const gasTestBody = z
  .object({
    by: z.string().trim().min(1, 'name who measured').max(200),
    instrument: z.string().trim().min(1, 'name the instrument (model and serial)').max(200),
    reading: z.number().nonnegative(),
    unit: z.enum(GAS_TEST_UNITS as [string, ...string[]], { error: `unit must be one of ${GAS_TEST_UNITS.join(', ')}` }),
    /** When the test was taken: ISO 8601 with offset, or epoch milliseconds. */
    at: z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]),
  })
  .strict();
const liftBody = z.object({ note, gasTest: gasTestBody.optional() }).strict();

function refusal(id: string, rejected: string, detail: string | undefined, missing?: Moved<StopWorkOrder>['missing'], blind?: Moved<StopWorkOrder>['blind']): ApiError {
  if (rejected === 'ALREADY_LIFTED') return new ApiError(409, `order ${id} is already lifted`);
  // Only a missing note when nothing else is missing: the body was fine otherwise.
  if (rejected === 'NOTE_REQUIRED' && !detail?.includes(';')) return new ApiError(400, 'note: a note is required');
  // The order lifecycle says what is missing (alarms still active, rectification or inspection
  // not recorded, inspector same as rectifier): pass its words on.
  return new ApiError(409, `order ${id}: ${detail ?? rejected.toLowerCase().replace(/_/g, ' ')}`, { ...(missing?.length ? { missing } : {}), ...(blind?.length ? { blind } : {}) });
}

export function orderRoutes(ctx: ApiContext) {
  const actions = ctx.deps.orderActions;

  function step(what: 'recordRectification' | 'recordInspection'): NonNullable<OrderActions[typeof what]> {
    const fn = actions[what];
    if (typeof fn !== 'function') throw new ApiError(501, `order ${what === 'recordRectification' ? 'rectification' : 'inspection'} step is not available in this gateway build (the order lifecycle is not wired)`);
    return fn.bind(actions) as NonNullable<OrderActions[typeof what]>;
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/orders',
      { config: { role: 'viewer' }, schema: { summary: 'Stop-work orders, newest first', querystring: orderQuery, response: answers({ 200: z.object({ orders: z.array(orderSchema) }) }, 400) } },
      async (request) => {
        const { site, state, limit } = request.query;
        return { orders: ctx.deps.orders.list({ site, state, limit, scope: scopeOf(request) }) };
      },
    );

    const officer = (summary: string, act: string) => ({
      config: { role: 'officer' as const, act },
      schema: { summary, params: orderParams, body: noteBody, response: answers({ 200: z.object({ order: orderSchema }) }, 400, 403, 404, 409, 501) },
    });

    const act = (
      action: string,
      id: string,
      request: Parameters<typeof principalOf>[0],
      run: (by: string) => Moved<StopWorkOrder> | undefined,
      text: string,
      gasTest?: ManualGasTest,
    ) => {
      const by = principalOf(request).name;
      // An order outside the caller's scope answers exactly as a missing one, before any step.
      const found = ctx.deps.orders.get(id);
      if (!found || !ctx.scopes.contains(scopeOf(request), found.site)) throw new ApiError(404, `no order ${id}`);
      const order = audited(ctx, request, action, id, () => {
        const outcome = run(by);
        if (!outcome) throw new ApiError(404, `no order ${id}`);
        if (outcome.rejected) throw refusal(id, outcome.rejected, outcome.detail, outcome.missing, outcome.blind);
        return { result: outcome.next, detail: { site: outcome.next.site, note: text, ...(gasTest ? { gasTest } : {}) } };
      });
      return { order };
    };

    r.post('/orders/:id/rectification', officer('Record the rectification (整改) of the hazard', 'recording the rectification of a stop-work order'), async (request) => {
      const record = step('recordRectification');
      return act('order.rectification', request.params.id, request, (by) => record(request.params.id, by, request.body.note), request.body.note);
    });

    r.post('/orders/:id/inspection', officer('Record the inspection (验收) after rectification', 'recording the inspection of a stop-work order'), async (request) => {
      const record = step('recordInspection');
      return act('order.inspection', request.params.id, request, (by) => record(request.params.id, by, request.body.note), request.body.note);
    });

    r.post(
      '/orders/:id/lift',
      {
        config: { role: 'officer' as const, act: 'lifting a stop-work order (停产停工令)' },
        schema: {
          summary: 'Lift the order (never re-opens a valve: that is a manual act on site); with gasTest while a detector is blind',
          params: orderParams,
          body: liftBody,
          response: answers({ 200: z.object({ order: orderSchema }) }, 400, 403, 404, 409, 501),
        },
      },
      async (request) => {
        const { note: text, gasTest: t } = request.body;
        const gasTest: ManualGasTest | undefined =
          t === undefined ? undefined : { by: t.by, instrument: t.instrument, reading: t.reading, unit: t.unit, atMs: typeof t.at === 'number' ? t.at : Date.parse(t.at) };
        // The audit row carries the gas test whole: who measured what with which instrument, and when.
        return act('order.lift', request.params.id, request, (by) => actions.lift(request.params.id, by, text, gasTest), text, gasTest);
      },
    );
  };
}
