// One site's registry record read (GET /sites/:site) and changed field by field (PATCH
// /sites/:site) by the page's edit form. PUT replaces every own field (a form that knows six of
// them would drop the preset, location or time zone); PATCH changes only the fields it names, null
// clearing one, in the same synchronous call as the read, so two editors do not undo each other's
// other fields. Both within the caller's scope: a site outside it answers 404.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SiteConfig } from '../../../gateway/src/config/schema.js';
import type { SiteInput } from '../../../gateway/src/registry/fleet-writer.js';
import type { ApiContext } from '../context.js';
import { actorOf, registryOf, registryRefusal, type FleetRegistry } from '../fleet-answers.js';
import { keepInScope, scopedSite } from '../fleet-scope.js';
import { answers, idParam } from '../schemas.js';

const siteParams = z.object({ site: idParam('site') });
const siteView = z
  .looseObject({ id: z.string(), name: z.string(), deviceCount: z.number().int(), source: z.enum(['config', 'registry']).optional().describe('config: the config file names the site and overwrites an edit at the next start or SIGHUP') })
  .describe('RegistrySiteRecord');
// Types only here: the registry checks the values with the config's siteSchema and names each problem.
const clearable = z.union([z.string(), z.null()]).optional();
const patchBody = z
  .object({
    name: z.string().optional(),
    address: clearable,
    contact: clearable,
    contactPhone: clearable,
    region: clearable,
    org: clearable,
    location: z.union([z.object({ lat: z.number(), lon: z.number() }).strict(), z.null()]).optional(),
  })
  .strict();

type Patch = z.infer<typeof patchBody>;

function view(site: SiteConfig, fleet: FleetRegistry) {
  const { devices, ...fields } = site;
  // 'config': the file names this site and its fields win over this edit at the next start or SIGHUP.
  const source = fleet.siteSource?.(site.id);
  return { ...fields, deviceCount: devices.length, ...(source ? { source } : {}) };
}

/** The site's own fields with the patch applied: a field given replaces, null or '' removes it. */
export function patchedSite(site: SiteConfig, patch: Patch): SiteInput {
  const { devices: _devices, ...fields } = site;
  const out: Record<string, unknown> = { ...fields };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null || (typeof value === 'string' && value.trim() === '' && key !== 'name')) delete out[key];
    else out[key] = typeof value === 'string' ? value.trim() : value;
  }
  return out as SiteInput;
}

export function fleetSiteEditRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/sites/:site',
      {
        config: { role: 'viewer' },
        schema: { summary: "A site's registry record: its own fields and how many devices it has (the devices: /sites/:site/devices)", params: siteParams, response: answers({ 200: z.object({ site: siteView }) }, 400, 404, 501) },
      },
      async (request) => {
        const fleet = registryOf(ctx);
        return { site: view(scopedSite(ctx, request, request.params.site), fleet) };
      },
    );

    r.patch(
      '/sites/:site',
      {
        config: { role: 'admin' },
        schema: {
          summary: "Changes the named fields of a site (name, address, contact, contactPhone, region, org, location; null clears one); the others and its devices stay",
          params: siteParams,
          body: patchBody,
          response: answers({ 200: z.object({ site: siteView }) }, 400, 403, 404, 422, 501),
        },
      },
      async (request) => {
        const fleet = registryOf(ctx);
        const site = scopedSite(ctx, request, request.params.site);
        const next = patchedSite(site, request.body);
        // Moved out of the caller's region or organisation, the site would vanish from his own lists.
        keepInScope(ctx, request, next);
        try {
          return { site: view(fleet.putSite(next, actorOf(ctx, request)), fleet) };
        } catch (err) {
          throw registryRefusal(err);
        }
      },
    );
  };
}
