// Alarms: the filtered, paginated list, one alarm with its events, and the officer's moves
// (acknowledge, shelve, unshelve, close with a rectification note), each audited.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Alarm } from '../../../gateway/src/alarms/lifecycle.js';
import { ApiError } from '../errors.js';
import { alarmView, type AlarmView } from '../alarm-view.js';
import { audited, type ApiContext } from '../context.js';
import { ALARM_SORTS } from '../../../gateway/src/alarms/alarm-list.js';
import type { AlarmActions, Moved } from '../deps.js';
import { principalOf } from '../auth.js';
import { scopeOf } from '../scope-of.js';
import { alarmEventSchema, alarmSchema, alarmState, alarmStates, answers, idParam, level, limitQuery, msQuery, note } from '../schemas.js';

const alarmQuery = z
  .object({
    site: idParam('site').optional(),
    level: level.optional(),
    state: alarmStates.optional(),
    // time: newest first; priority: the order an officer acts in (active unacknowledged, red first).
    sort: z.enum(ALARM_SORTS).default('time'),
    active: z.enum(['true', 'false']).optional(),
    // true: alarms that still need someone (active, unacknowledged, or a cleared orange/red not closed out).
    open: z.enum(['true', 'false']).optional(),
    fromMs: msQuery.optional(),
    toMs: msQuery.optional(),
    limit: limitQuery(1000, 100),
    cursor: z.string().max(500).optional(),
  })
  .strict()
  .refine((q) => q.fromMs === undefined || q.toMs === undefined || q.fromMs <= q.toMs, { path: ['toMs'], message: 'toMs must not be before fromMs' });

const alarmParams = z.object({ id: z.string().min(1).max(100) });

/** What an officer reads when the lifecycle refuses a move. */
const REFUSALS: Record<string, string> = {
  ALREADY_ACKED: 'is already acknowledged',
  ALREADY_CLOSED: 'is already closed',
  NOT_ACTIVE: 'is not active',
  STILL_ACTIVE: 'is still active: it can be closed once its condition has cleared and it is acknowledged',
  NOT_CLOSABLE_YET: 'has cleared but is not acknowledged: acknowledge it first',
  RED_NOT_SHELVABLE: 'is red: a red alarm stops work and cannot be shelved',
  NOT_SHELVED: 'is not shelved',
};

/** Refusals that are about what the officer typed, not the alarm's state. */
const BAD_INPUT: Record<string, string> = {
  NOTE_REQUIRED: 'note: a rectification note (整改说明) is required to close an orange or red alarm',
  REASON_REQUIRED: 'reason: a reason is required to shelve an alarm',
  TOO_LONG: 'minutes: longer than the longest shelf allowed (alarms.shelveMaxH)',
  UNTIL_NOT_FUTURE: 'minutes: the shelf must end in the future',
};

function moved(id: string, outcome: Moved<Alarm> | undefined): Alarm {
  if (!outcome) throw new ApiError(404, `no alarm ${id}`);
  if (outcome.rejected && BAD_INPUT[outcome.rejected]) throw new ApiError(400, BAD_INPUT[outcome.rejected]!);
  if (outcome.rejected) {
    const why = REFUSALS[outcome.rejected] ?? `refused: ${outcome.rejected}`;
    throw new ApiError(409, `alarm ${id} ${why}${outcome.detail ? ` (${outcome.detail})` : ''}`);
  }
  return outcome.next;
}

function needs<K extends 'shelve' | 'unshelve'>(actions: AlarmActions, what: K): NonNullable<AlarmActions[K]> {
  const fn = actions[what];
  if (typeof fn !== 'function') throw new ApiError(501, `alarm ${what} is not available in this gateway build (the shelving module is not wired)`);
  return fn.bind(actions) as NonNullable<AlarmActions[K]>;
}

export function alarmRoutes(ctx: ApiContext) {
  const actions = ctx.deps.alarmActions;
  // The longest shelf is the alarm service's (alarms.shelveMaxH): it answers TOO_LONG past it.
  const shelveBody = z.object({ reason: note, minutes: z.number().int().min(1).max(24 * 60) }).strict();
  const ackBody = z.object({ note: z.string().max(2000).optional() }).strict().nullish();
  const closeBody = z.object({ note: z.string().max(2000).optional() }).strict().nullish();

  /** The alarm if it exists within the caller's scope: one outside answers exactly as a missing one. */
  function within(request: FastifyRequest, id: string): Alarm {
    const alarm = actions.get(id);
    if (!alarm || !ctx.scopes.contains(scopeOf(request), alarm.site)) throw new ApiError(404, `no alarm ${id}`);
    return alarm;
  }

  function act(request: FastifyRequest, action: string, id: string, run: (by: string) => Moved<Alarm> | undefined, detail: Record<string, unknown> = {}): { alarm: AlarmView } {
    const by = principalOf(request).name;
    within(request, id);
    const alarm = audited(ctx, request, action, id, () => {
      const next = moved(id, run(by));
      return { result: next, detail: { ...detail, site: next.site, device: next.device, level: next.level, state: next.state } };
    });
    return { alarm: alarmView(alarm) };
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/alarms',
      {
        config: { role: 'viewer' },
        schema: {
          summary: 'Alarms, newest first or in the order an officer acts (sort=priority), with filters and cursor pagination',
          querystring: alarmQuery,
          response: answers({ 200: z.object({ alarms: z.array(alarmSchema), nextCursor: z.string().nullable() }) }, 400),
        },
      },
      async (request) => {
        const q = request.query;
        const page = ctx.alarmQuery.page({ ...q, scope: scopeOf(request), active: q.active === undefined ? undefined : q.active === 'true', open: q.open === undefined ? undefined : q.open === 'true' });
        return { alarms: page.alarms.map(alarmView), nextCursor: page.nextCursor };
      },
    );

    r.get(
      '/alarms/:id',
      {
        config: { role: 'viewer' },
        schema: { summary: 'One alarm and every event that moved it', params: alarmParams, response: answers({ 200: z.object({ alarm: alarmSchema, events: z.array(alarmEventSchema) }) }, 404) },
      },
      async (request) => {
        const alarm = within(request, request.params.id);
        return { alarm: alarmView(alarm), events: ctx.deps.alarms.events(alarm.id) };
      },
    );

    // roles.ts: a site owner acknowledges its own alarms; shelving, unshelving and closing are an officer's.
    const officer = (summary: string, body: z.ZodType, act: string, least: 'owner' | 'officer' = 'officer') => ({
      config: { role: least, act },
      schema: { summary, params: alarmParams, body, response: answers({ 200: z.object({ alarm: alarmSchema }) }, 400, 403, 404, 409, 501) },
    });

    r.post('/alarms/:id/ack', officer('Acknowledge an alarm (a site owner may)', ackBody, 'acknowledging an alarm', 'owner'), async (request) => {
      const text = (request.body as { note?: string } | null | undefined)?.note;
      return act(request, 'alarm.ack', request.params.id, (by) => actions.acknowledge(request.params.id, by, text), text ? { note: text } : {});
    });

    r.post('/alarms/:id/shelve', officer('Shelve an alarm for a bounded time, with a reason', shelveBody, 'shelving an alarm'), async (request) => {
      const shelve = needs(actions, 'shelve');
      const { reason, minutes } = request.body as z.output<typeof shelveBody>;
      const untilMs = ctx.clock() + minutes * 60_000;
      return act(request, 'alarm.shelve', request.params.id, (by) => shelve(request.params.id, by, reason, untilMs), { reason, minutes, untilMs });
    });

    r.post('/alarms/:id/unshelve', officer('Return a shelved alarm to view', z.object({}).strict().nullish(), 'unshelving an alarm'), async (request) => {
      const unshelve = needs(actions, 'unshelve');
      return act(request, 'alarm.unshelve', request.params.id, (by) => unshelve(request.params.id, by));
    });

    r.post('/alarms/:id/close', officer('Close a cleared, acknowledged alarm with its rectification note (整改销号)', closeBody, 'closing an alarm'), async (request) => {
      const text = (request.body as { note?: string } | null | undefined)?.note ?? '';
      return act(request, 'alarm.close', request.params.id, (by) => actions.close(request.params.id, by, text), { note: text.trim() });
    });
  };
}
