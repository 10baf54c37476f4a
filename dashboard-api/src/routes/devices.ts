// Devices as configured, with what the gateway knows of each: online (its last birth or will, or
// a reading heard within its staleAfterS), battery and the last value of each channel (kept in
// state.db, so they are there after a restart), and whether it is out of service for maintenance.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { QUANTITY_INFO, type Quantity } from '../../../gateway/src/config/quantities.js';
import { ApiError } from '../errors.js';
import { audited, type ApiContext } from '../context.js';
import { principalOf } from '../auth.js';
import { scopeOf } from '../scope-of.js';
import type { AlarmActions, OutOfServiceEntry } from '../deps.js';
import { answers, idParam, note } from '../schemas.js';

const outOfService = z.object({ by: z.string(), reason: z.string(), untilMs: z.number() });
const device = z
  .object({
    site: z.string(),
    id: z.string(),
    kind: z.string(),
    online: z.boolean().nullable(),
    battery: z.number().nullable(),
    outOfService: outOfService.nullable(),
    channels: z.array(z.object({ channel: z.string(), quantity: z.string(), unit: z.string(), value: z.number().nullable(), tsMs: z.number().nullable() })),
  })
  .describe('Device');
const deviceParams = z.object({ site: idParam('site'), device: idParam('device') });

export function deviceRoutes(ctx: ApiContext) {

  /**
   * Online by the newest evidence, both in gateway time: a status message (birth or last will), or
   * a reading. A detector that never sends a status message is online while it reports within its
   * staleAfterS (the silence after which it raises `stale`); a will after its last reading wins.
   */
  function onlineOf(siteId: string, d: { id: string; staleAfterS?: number }): boolean | null {
    const status = ctx.deps.deviceStatus(siteId, d.id);
    const heard = ctx.live.heardAtMs(siteId, d.id);
    if (heard !== null && (!status || heard > status.atMs)) {
      if (ctx.clock() - heard <= (d.staleAfterS ?? 100) * 1000) return true;
      return status ? status.state === 'online' : false;
    }
    return status ? status.state === 'online' : null;
  }
  const actions = ctx.deps.alarmActions;

  /** The spell in force for this device: its own, or its whole site's. */
  function spellOf(siteId: string, deviceId: string, own = false): OutOfServiceEntry | null {
    if (typeof actions.listOutOfService !== 'function') return null;
    const now = ctx.clock();
    return (
      actions
        .listOutOfService({ site: siteId })
        .find((e) => e.endedAtMs === null && e.untilMs > now && (e.device === deviceId || (!own && e.device === null))) ?? null
    );
  }

  function view(siteId: string, d: (typeof ctx.deps.sites)[number]['devices'][number]): z.infer<typeof device> {
    const oos = spellOf(siteId, d.id);
    return {
      site: siteId,
      id: d.id,
      kind: d.kind,
      online: onlineOf(siteId, d),
      battery: ctx.live.battery(siteId, d.id),
      outOfService: oos ? { by: oos.by, reason: oos.reason, untilMs: oos.untilMs } : null,
      channels: Object.entries(d.channels).map(([channel, spec]) => {
        const last = ctx.live.last(siteId, d.id, channel);
        return { channel, quantity: spec.quantity, unit: QUANTITY_INFO[spec.quantity as Quantity]?.unit ?? '', value: last?.value ?? null, tsMs: last?.tsMs ?? null };
      }),
    };
  }

  function find(request: FastifyRequest, siteId: string, deviceId: string) {
    const d = ctx.sites.get(siteId)?.devices.find((x) => x.id === deviceId);
    // A device outside the caller's scope answers exactly as a missing one.
    if (!d || !ctx.scopes.contains(scopeOf(request), siteId)) throw new ApiError(404, `no device ${siteId}/${deviceId}`);
    return d;
  }

  function need<K extends 'putOutOfService' | 'returnToService'>(what: K): NonNullable<AlarmActions[K]> {
    const fn = actions[what];
    if (typeof fn !== 'function') throw new ApiError(501, 'out-of-service is not available in this gateway build (the alarm service does not provide it)');
    return fn.bind(actions) as NonNullable<AlarmActions[K]>;
  }

  function refused(target: string, rejected: string): ApiError {
    switch (rejected) {
      case 'TOO_LONG':
        return new ApiError(400, 'minutes: longer than the longest out-of-service period allowed (alarms.outOfServiceMaxH)');
      case 'REASON_REQUIRED':
        return new ApiError(400, 'reason: a reason is required');
      case 'UNTIL_NOT_FUTURE':
        return new ApiError(400, 'minutes: the period must end in the future');
      case 'ALREADY_OUT_OF_SERVICE':
        return new ApiError(409, `device ${target} is already out of service: return it to service first to change the period`);
      case 'UNKNOWN_SITE':
      case 'UNKNOWN_DEVICE':
        return new ApiError(404, `no device ${target}`);
      default:
        return new ApiError(409, `device ${target}: ${rejected.toLowerCase().replace(/_/g, ' ')}`);
    }
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/devices',
      { config: { role: 'viewer' }, schema: { summary: 'Devices with online state, battery and last readings', querystring: z.object({ site: idParam('site').optional() }).strict(), response: answers({ 200: z.object({ devices: z.array(device) }) }, 400) } },
      async (request) => {
        const wanted = request.query.site;
        // The registry's answer for the caller's scope (null: all), read once per request.
        const within = ctx.scopes.siteIds(scopeOf(request));
        // From the live registry (ctx.sites): a device added through the API is listed at once.
        const sites = wanted !== undefined ? [ctx.sites.get(wanted)].filter((s) => s !== undefined) : [...ctx.sites.values()];
        const devices = sites.filter((s) => within === null || within.has(s.id)).flatMap((s) => s.devices.map((d) => view(s.id, d)));
        return { devices };
      },
    );

    const admin = (summary: string, body?: z.ZodType) => ({
      config: { role: 'admin' as const },
      schema: { summary, params: deviceParams, ...(body ? { body } : {}), response: answers({ 200: z.object({ device }) }, 400, 403, 404, 409, 501) },
    });
    // The longest period is the alarm service's (alarms.outOfServiceMaxH): it answers TOO_LONG past it.
    const oosBody = z.object({ reason: note, minutes: z.number().int().min(1).max(366 * 24 * 60) }).strict();

    r.post('/devices/:site/:device/out-of-service', admin('Take a device out of service for maintenance, for a bounded time', oosBody), async (request) => {
      const put = need('putOutOfService');
      const { site, device: id } = request.params;
      const d = find(request, site, id);
      const { reason, minutes } = request.body as z.output<typeof oosBody>;
      const untilMs = ctx.clock() + minutes * 60_000;
      const by = principalOf(request).name;
      const result = audited(ctx, request, 'device.out_of_service', `${site}/${id}`, () => {
        const moved = put({ site, device: id, by, reason, untilMs });
        if (!moved.ok) throw refused(`${site}/${id}`, moved.rejected);
        return { result: view(site, d), detail: { reason, minutes, untilMs, spellId: moved.entry.id } };
      });
      return { device: result };
    });

    r.delete('/devices/:site/:device/out-of-service', admin('Return a device to service'), async (request) => {
      const back = need('returnToService');
      const { site, device: id } = request.params;
      const d = find(request, site, id);
      const result = audited(ctx, request, 'device.in_service', `${site}/${id}`, () => {
        const spell = spellOf(site, id, true);
        if (!spell) throw new ApiError(409, `device ${site}/${id} is not out of service`);
        const moved = back(spell.id, principalOf(request).name);
        if (!moved) throw new ApiError(409, `device ${site}/${id} is not out of service`);
        if (!moved.ok) throw refused(`${site}/${id}`, moved.rejected);
        return { result: view(site, d), detail: { spellId: spell.id } };
      });
      return { device: result };
    });
  };
}
