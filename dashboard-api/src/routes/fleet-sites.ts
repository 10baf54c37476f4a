// A site's own fields in the registry (name, address, contact, region, organisation, location,
// preset…), created or changed with PUT, and the site removed with DELETE. Its devices are the
// business of /sites/:site/devices and the import.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SiteInput } from '../../../gateway/src/registry/fleet-writer.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { actorOf, registryOf, registryRefusal, scopeHolds, siteVisible } from '../fleet-answers.js';
import { answers, idParam } from '../schemas.js';

const siteParams = z.object({ site: idParam('site') });
const siteView = z.looseObject({ id: z.string(), name: z.string() }).describe('RegistrySite');
const siteBody = z.looseObject({}).superRefine((s, ctx) => {
  if ('devices' in s) ctx.addIssue({ code: 'custom', path: ['devices'], message: 'devices are added with POST /api/v1/sites/:site/devices or the import, each with its own secret' });
  if ('id' in s) ctx.addIssue({ code: 'custom', path: ['id'], message: 'the id is the one in the path' });
});

export function fleetSiteRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.put(
      '/sites/:site',
      {
        config: { role: 'admin' },
        schema: { summary: "Creates a site (201) or replaces its own fields (200); its devices stay", params: siteParams, body: siteBody, response: answers({ 200: z.object({ site: siteView }), 201: z.object({ site: siteView }) }, 400, 403, 409, 422, 501) },
      },
      async (request, reply) => {
        const fleet = registryOf(ctx);
        const id = request.params.site;
        const existed = fleet.site(id) !== undefined;
        if (existed && !siteVisible(ctx, request, id)) throw new ApiError(404, `no site ${id}`);
        const body = request.body as { region?: string; org?: string };
        if (!scopeHolds(ctx, request, id, body.region, body.org)) throw new ApiError(403, `site ${id} would lie outside your scope: give it a region or organisation within it`);
        let site;
        try {
          site = fleet.putSite({ ...(request.body as Omit<SiteInput, 'id'>), id }, actorOf(ctx, request));
        } catch (err) {
          throw registryRefusal(err);
        }
        const { devices, ...fields } = site;
        reply.status(existed ? 200 : 201);
        return { site: { ...fields, deviceCount: devices.length } };
      },
    );

    r.delete(
      '/sites/:site',
      {
        config: { role: 'admin' },
        schema: {
          summary: 'Removes a site; one that still has devices needs ?withDevices=true, since its detectors stop being watched',
          params: siteParams,
          querystring: z.object({ withDevices: z.enum(['true', 'false']).optional() }).strict(),
          response: answers({ 204: z.null() }, 400, 403, 404, 409, 501),
        },
      },
      async (request, reply) => {
        const fleet = registryOf(ctx);
        const id = request.params.site;
        const site = fleet.site(id);
        if (!site || !siteVisible(ctx, request, id)) throw new ApiError(404, `no site ${id}`);
        if (site.devices.length > 0 && request.query.withDevices !== 'true') {
          throw new ApiError(409, `site ${id} still has ${site.devices.length} devices, whose alarms would no longer be watched: remove them first, or ask DELETE /api/v1/sites/${id}?withDevices=true`, { devices: site.devices.length });
        }
        try {
          fleet.removeSite(id, actorOf(ctx, request));
        } catch (err) {
          throw registryRefusal(err);
        }
        return reply.status(204).send(null);
      },
    );
  };
}
