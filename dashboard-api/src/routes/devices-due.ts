// GET /devices/due: the devices whose replacement day (CJJ/T 146-2011 service life: detectors 3
// years in commercial kitchens, 5 in homes, shut-off valves 10) is on or before a day, most overdue
// first, within the caller's scope and optionally one region's subtree, read from the fleet
// registry (gateway/src/registry/live-fleet.ts dueForReplacement), with site and region names.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Scope } from '../../../gateway/src/contract/scope.js';
import type { DueDevice } from '../../../gateway/src/registry/fleet.js';
import { BadQuery } from '../../../gateway/src/errors.js';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { scopeOf } from '../scope-of.js';
import type { FleetReader } from '../deps.js';
import { answers, idParam, limitQuery } from '../schemas.js';

/** Counted ahead of the page (the registry's largest page): beyond it the count says "at least". */
const COUNT_UP_TO = 1000;

const dueDevice = z.object({
  site: z.string(),
  siteName: z.string(),
  region: z.string().nullable(),
  regionName: z.string().nullable(),
  id: z.string(),
  kind: z.string(),
  installedOn: z.string().nullable(),
  replaceBy: z.string(),
});

type After = { replaceBy: string; site: string; device: string };

function encodeCursor(after: After): string {
  return Buffer.from(JSON.stringify([after.replaceBy, after.site, after.device])).toString('base64url');
}

function decodeCursor(cursor: string): After {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string')) return { replaceBy: v[0] as string, site: v[1] as string, device: v[2] as string };
  } catch {
    // falls through to the refusal: a cursor is only what this list handed out
  }
  throw new BadQuery('cursor: not a cursor of the due list (use next of the previous page)');
}

/**
 * The scope to read with: the region's subtree when the caller may see all of it, else the
 * caller's own scope with `within` (a path) left to filter the answers (an organisation's sites in
 * one county). A region outside the caller's scope does not exist for him.
 */
function narrowed(fleet: FleetReader, scope: Scope, region: string | undefined): { scope: Scope; within: string | null } {
  if (region === undefined) return { scope, within: null };
  const paths = new Map(fleet.regions().map((r) => [r.id, r.path]));
  const path = paths.get(region);
  if (path === undefined) throw new ApiError(404, `no region ${region}`);
  if (scope.kind === 'all') return { scope: { kind: 'regions', regions: [region] }, within: null };
  if (scope.kind === 'regions') {
    if (scope.regions.some((r) => path.startsWith(paths.get(r) ?? '\0'))) return { scope: { kind: 'regions', regions: [region] }, within: null };
    // The scope's regions under the chosen one: still within both.
    const under = scope.regions.filter((r) => (paths.get(r) ?? '').startsWith(path));
    if (under.length === 0) throw new ApiError(404, `no region ${region}`);
    return { scope: { kind: 'regions', regions: under }, within: null };
  }
  return { scope, within: path };
}

export function devicesDueRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/devices/due',
      {
        config: { role: 'viewer' },
        schema: {
          summary: 'Devices due for replacement on or before a day (CJJ/T 146-2011 service life), most overdue first',
          querystring: z.object({
            before: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day as YYYY-MM-DD'),
            region: idParam('region').optional(),
            cursor: z.string().min(1).max(1000).optional(),
            limit: limitQuery(500, 100),
          }),
          response: answers(
            {
              200: z.object({
                devices: z.array(dueDevice),
                next: z.string().nullable(),
                /** Due devices from this page on: exact unless `totalCapped` (then at least this many). */
                total: z.number().int(),
                totalCapped: z.boolean(),
              }),
            },
            400,
            404,
            501,
          ),
        },
      },
      async (request) => {
        const fleet = ctx.deps.fleet;
        if (!fleet) throw new ApiError(501, 'due replacements are not available in this build (no fleet registry is wired)');
        const q = request.query;
        const { scope, within } = narrowed(fleet, scopeOf(request), q.region);
        const names = new Map(fleet.regions().map((r) => [r.id, { name: r.name, path: r.path }]));
        const read = fleet.dueForReplacement(q.before, scope, { limit: COUNT_UP_TO, ...(q.cursor ? { after: decodeCursor(q.cursor) } : {}) });
        const rows = read.items.flatMap((d: DueDevice) => {
          const site = fleet.site(d.site);
          const region = site?.region ?? null;
          if (within !== null && !(region !== null && (names.get(region)?.path ?? '').startsWith(within))) return [];
          return [
            {
              site: d.site,
              siteName: site?.name ?? d.site,
              region,
              regionName: region === null ? null : (names.get(region)?.name ?? null),
              id: d.device.id,
              kind: d.device.kind,
              installedOn: d.device.installedOn ?? null,
              replaceBy: d.replaceBy,
            },
          ];
        });
        const page = rows.slice(0, q.limit);
        const last = page.at(-1);
        const more = rows.length > q.limit || read.next !== undefined;
        return {
          devices: page,
          next: more && last ? encodeCursor({ replaceBy: last.replaceBy, site: last.site, device: last.id }) : null,
          total: rows.length,
          totalCapped: read.next !== undefined,
        };
      },
    );
  };
}
