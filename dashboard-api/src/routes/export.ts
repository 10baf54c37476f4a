// Exports for the safety bureau's reports: alarms, stop-work orders and devices as CSV or XLSX
// with Chinese headers, streamed from the gateway's export source a page at a time. Read-only,
// so a viewer may.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { scopeOf } from '../scope-of.js';
import { alarmStates, answers, idParam, level, msQuery } from '../schemas.js';
import { siteLastReader } from '../device-last-store.js';
import { knowsSite, runExport, siteLookup, type ExportInputs, type ExportRequest } from '../export/run-export.js';
import { CONTENT_TYPE, EXPORT_FORMATS } from '../export/write.js';
import type { ExportTable } from '../export/tables.js';

const format = z.enum(EXPORT_FORMATS).default('csv');
const fromTo = { fromMs: msQuery.optional(), toMs: msQuery.optional() };
const inOrder = (q: { fromMs?: number | undefined; toMs?: number | undefined }) => q.fromMs === undefined || q.toMs === undefined || q.fromMs <= q.toMs;
const ORDER_MESSAGE = { path: ['toMs'], message: 'toMs must not be before fromMs' };

const QUERIES = {
  alarms: z.object({ ...fromTo, site: idParam('site').optional(), level: level.optional(), state: alarmStates.optional(), format }).strict().refine(inOrder, ORDER_MESSAGE),
  orders: z.object({ ...fromTo, site: idParam('site').optional(), format }).strict().refine(inOrder, ORDER_MESSAGE),
  // A device list is as of now: it has no date range.
  devices: z.object({ site: idParam('site').optional(), format }).strict(),
} satisfies Record<ExportTable, z.ZodType>;

const SUMMARY: Record<ExportTable, string> = {
  alarms: 'Alarms raised in a range (fromMs–toMs, inclusive), oldest first, as CSV or XLSX with Chinese headers and times in each site\'s zone',
  orders: 'Stop-work orders (停产停工令) issued in a range, oldest first, as CSV or XLSX with Chinese headers',
  devices: 'The configured devices, one row per channel with its last value and when it was last heard, as CSV or XLSX',
};

export function exportRoutes(ctx: ApiContext) {
  // Alarms, orders and statuses from the gateway; the last values from the API's own table (made
  // by buildApp's DeviceLastStore before the routes).
  // The sites are read per request from ctx.sites (the live registry when there is one): a site
  // or device added through the API belongs in the next report, not only after a restart.
  const lastOf = siteLastReader(ctx.deps.db);
  const inputsNow = () => {
    const sites = [...ctx.sites.values()];
    return { inputs: { source: ctx.deps.exportSource, sites, lastOf } satisfies ExportInputs, label: siteLookup(sites) };
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    for (const table of ['alarms', 'orders', 'devices'] as const) {
      r.get(
        `/export/${table}`,
        {
          config: { role: 'viewer' },
          schema: { summary: SUMMARY[table], querystring: QUERIES[table], produces: [CONTENT_TYPE.csv, CONTENT_TYPE.xlsx], response: answers({ 200: z.string().describe('the file') }, 400, 404) },
        },
        async (request, reply) => {
          // The schema of this table has checked and typed the query.
          // The caller's scope goes into every page's query (alarms, orders) and picks the sites
          // of a device list; a site outside it answers exactly as one that does not exist.
          const { inputs, label } = inputsNow();
          const scope = scopeOf(request);
          const q = { ...(request.query as Omit<ExportRequest, 'table'>), table, scope };
          if (q.site !== undefined && (!knowsSite(inputs, q.site) || !ctx.scopes.contains(scope, q.site))) throw new ApiError(404, `no site ${q.site}: it is neither configured nor named by any alarm or order`);
          const within = ctx.scopes.siteIds(scope);
          const scoped = within === null ? inputs : { ...inputs, sites: inputs.sites.filter((s) => within.has(s.id)) };
          const file = runExport(scoped, q, label, ctx.clock(), (err) => request.log.error({ err, table }, 'export failed part-way; the file is cut short'));
          return reply
            .header('Content-Type', CONTENT_TYPE[q.format])
            .header('Content-Disposition', file.contentDisposition)
            .header('Cache-Control', 'no-store')
            .send(file.body);
        },
      );
    }
  };
}
