// The region tree and the organisations edited while the gateway runs (PUT/DELETE /regions/:id,
// GET/PUT/DELETE /organisations), and the whole registry as YAML (GET /registry/export). Every
// write goes through the registry writer, which checks it with the config schema, audits it and
// tells the followers (rosters, briefings, scopes) in the same call: no restart.
// GET /regions (the tree with its counts, within the caller's scope) is in sites.ts.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SiteConfig } from '../../../gateway/src/config/schema.js';
import { exportYaml } from '../../../gateway/src/registry/export-yaml.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { actorOf, publicDevice, registryOf, registryRefusal } from '../fleet-answers.js';
import { wholeFleetOnly } from '../fleet-scope.js';
import { scopeOf } from '../scope-of.js';
import { principalOf } from '../auth.js';
import { answers, idParam } from '../schemas.js';

const regionParams = z.object({ id: idParam('region') });
const orgParams = z.object({ id: idParam('organisation') });
// Loose here: the registry checks the fields with the config's regionSchema and names each problem.
const regionBody = z.looseObject({}).superRefine((b, ctx) => {
  if ('id' in b) ctx.addIssue({ code: 'custom', path: ['id'], message: 'the id is the one in the path' });
});
const orgBody = regionBody;
const regionView = z.looseObject({ id: z.string(), name: z.string(), level: z.string(), path: z.string() }).describe('RegistryRegion');
const orgView = z.object({ id: z.string(), name: z.string() }).describe('Organisation');

/**
 * The tree and the organisations are shared by every scope: an admin limited to a county may edit
 * that county's sites, not rename the province above it or another supplier.
 */
function needWholeFleet(request: FastifyRequest): void {
  wholeFleetOnly(request, 'changing regions and organisations (or exporting the registry)');
}

function regionOut(r: { id: string; name: string; level: string; parent?: string | undefined; officers: readonly string[]; path: string; source: string }) {
  return { id: r.id, name: r.name, level: r.level, ...(r.parent !== undefined ? { parent: r.parent } : {}), officers: [...r.officers], path: r.path, source: r.source };
}

export function fleetRegionRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.put(
      '/regions/:id',
      {
        config: { role: 'admin' },
        schema: {
          summary: 'Creates (201) or changes (200) a region of the tree: {name, level, parent?, officers[]}; a changed parent moves its whole subtree',
          params: regionParams,
          body: regionBody,
          response: answers({ 200: z.object({ region: regionView }), 201: z.object({ region: regionView }) }, 400, 403, 409, 422, 501),
        },
      },
      async (request, reply) => {
        needWholeFleet(request);
        const fleet = registryOf(ctx);
        const id = request.params.id;
        const existed = fleet.regions().some((x) => x.id === id);
        try {
          const region = fleet.putRegion({ ...(request.body as object), id } as Parameters<typeof fleet.putRegion>[0], actorOf(ctx, request));
          reply.status(existed ? 200 : 201);
          return { region: regionOut(region) };
        } catch (err) {
          throw registryRefusal(err);
        }
      },
    );

    r.delete(
      '/regions/:id',
      {
        config: { role: 'admin' },
        schema: { summary: 'Removes a region; 409 with the reason while sites or child regions name it', params: regionParams, response: answers({ 204: z.null() }, 400, 403, 404, 409, 501) },
      },
      async (request, reply) => {
        needWholeFleet(request);
        const fleet = registryOf(ctx);
        let removed: boolean;
        try {
          removed = fleet.removeRegion(request.params.id, actorOf(ctx, request));
        } catch (err) {
          throw registryRefusal(err);
        }
        if (!removed) throw new ApiError(404, `no region ${request.params.id}`);
        return reply.status(204).send(null);
      },
    );

    r.get(
      '/organisations',
      {
        config: { role: 'viewer' },
        schema: { summary: 'The organisations (gas suppliers, operators) sites belong to, by id; a caller scoped to one sees that one', response: answers({ 200: z.object({ organisations: z.array(orgView) }) }, 501) },
      },
      async (request) => {
        const scope = scopeOf(request);
        const all = registryOf(ctx).organisations().map((o) => ({ id: o.id, name: o.name }));
        // The list is short (suppliers, not sites). An admin of any scope picks a site's organisation
        // from it (the page's form); an organisation's own account sees its own record; other
        // scoped accounts see none of it.
        const admin = principalOf(request).role === 'admin';
        const organisations = scope.kind === 'all' || admin ? all : scope.kind === 'org' ? all.filter((o) => o.id === scope.org) : [];
        return { organisations: organisations.sort((a, b) => a.id.localeCompare(b.id)) };
      },
    );

    r.get(
      '/organisations/:id',
      { config: { role: 'viewer' }, schema: { summary: 'One organisation', params: orgParams, response: answers({ 200: z.object({ organisation: orgView }) }, 400, 404, 501) } },
      async (request) => {
        const scope = scopeOf(request);
        const id = request.params.id;
        const org = registryOf(ctx).organisations().find((o) => o.id === id);
        // Outside the caller's scope answers like one that does not exist.
        if (!org || (scope.kind !== 'all' && !(scope.kind === 'org' && scope.org === id))) throw new ApiError(404, `no organisation ${id}`);
        return { organisation: { id: org.id, name: org.name } };
      },
    );

    r.put(
      '/organisations/:id',
      {
        config: { role: 'admin' },
        schema: { summary: 'Creates (201) or renames (200) an organisation: {name}', params: orgParams, body: orgBody, response: answers({ 200: z.object({ organisation: orgView }), 201: z.object({ organisation: orgView }) }, 400, 403, 422, 501) },
      },
      async (request, reply) => {
        needWholeFleet(request);
        const fleet = registryOf(ctx);
        const id = request.params.id;
        const existed = fleet.organisations().some((o) => o.id === id);
        try {
          const org = fleet.putOrganisation({ ...(request.body as object), id } as Parameters<typeof fleet.putOrganisation>[0], actorOf(ctx, request));
          reply.status(existed ? 200 : 201);
          return { organisation: { id: org.id, name: org.name } };
        } catch (err) {
          throw registryRefusal(err);
        }
      },
    );

    r.delete(
      '/organisations/:id',
      {
        config: { role: 'admin' },
        schema: { summary: 'Removes an organisation; 409 with the reason while sites name it', params: orgParams, response: answers({ 204: z.null() }, 400, 403, 404, 409, 501) },
      },
      async (request, reply) => {
        needWholeFleet(request);
        let removed: boolean;
        try {
          removed = registryOf(ctx).removeOrganisation(request.params.id, actorOf(ctx, request));
        } catch (err) {
          throw registryRefusal(err);
        }
        if (!removed) throw new ApiError(404, `no organisation ${request.params.id}`);
        return reply.status(204).send(null);
      },
    );

    r.get(
      '/registry/export',
      {
        config: { role: 'admin' },
        schema: { summary: 'The fleet registry (regions, organisations, sites with their devices) as YAML a config file accepts; without device credentials', response: answers({ 200: z.string() }, 403, 501) },
      },
      async (request, reply) => {
        needWholeFleet(request);
        const fleet = registryOf(ctx);
        // A device's loginKey is its HMAC key and its passwordHash an offline-guessable hash: neither
        // leaves the host over HTTP. The copy with them is `shaobing registry export` on the host.
        const sites: SiteConfig[] = fleet.sites().map((s) => ({ ...s, devices: s.devices.map((d) => publicDevice(d) as SiteConfig['devices'][number]) }));
        const regions = [...fleet.regions()].sort((a, b) => a.path.localeCompare(b.path));
        const yaml = exportYaml({ regions, organisations: fleet.organisations(), sites }, new Date(ctx.clock()).toISOString());
        const note =
          '# Device credentials (loginKey, passwordHash) are left out of this copy, as from every API answer:\n' +
          '# it records the fleet but a config file refuses its devices until each has its credential again.\n' +
          '# `shaobing registry export` on the gateway\'s host writes the copy with them.\n';
        void reply
          .type('application/yaml; charset=utf-8')
          .header('content-disposition', `attachment; filename="shaobing-registry-${new Date(ctx.clock()).toISOString().slice(0, 10)}.yaml"`)
          .header('cache-control', 'no-store');
        return note + yaml;
      },
    );
  };
}
