// Bulk provisioning: a CSV or XLSX file of devices (English or Chinese headers) checked row by
// row, applied all at once or not at all (unless ?partial=true), answered with the new devices'
// secrets as the installer's CSV, once.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import { parseCsv, type TableRecord } from '../../../gateway/src/registry/provision/csv.js';
import { readXlsx } from '../../../gateway/src/registry/provision/xlsx-rows.js';
import { IMPORT_LIMITS, planImportYielding, type ImportRefusal } from '../../../gateway/src/registry/provision/import-rows.js';
import { applyImport } from '../../../gateway/src/registry/provision/apply-import.js';
import type { ApiContext } from '../context.js';
import { ApiError, errorBody } from '../errors.js';
import { actorOf, attachment, noStore, registryOf, registryRefusal, scopeHolds, secretsCsv, siteVisible, wantsJson } from '../fleet-answers.js';
import { answers } from '../schemas.js';
import { csvLine, UTF8_BOM } from '../export/csv.js';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MB = IMPORT_LIMITS.maxBytes / (1024 * 1024);

/** The header in Chinese (the file's words for its columns) and one kitchen as an example:
 * detectors replaced after 3 years in a commercial kitchen, the valve after 10 (CJJ/T 146-2011). */
const TEMPLATE_ROWS = [
  ['站点', '站点名称', '地址', '联系人', '联系电话', '设备', '类型', '通道', '空间', '安装日期', '更换日期', '认证'],
  ['kitchen-0001', '老王烧烤', '城关镇解放路 12 号', '王师傅', '13800000000', 'gas-01', '探测器', 'ch4:methane_lel;co:co_ppm', 'kitchen', '2026-03-01', '2029-03-01', '签名'],
  ['kitchen-0001', '', '', '', '', 'valve-01', '切断阀', '', '', '2026-03-01', '2036-03-01', '签名'],
  ['kitchen-0001', '', '', '', '', 'fan-01', '风机', '', '', '2026-03-01', '', '签名'],
] as const;

const refusal = z.object({ line: z.number().int(), column: z.string(), reason: z.string() });
const flag = z.enum(['true', 'false']).optional();

async function records(request: FastifyRequest, body: Buffer): Promise<{ ok: true; records: TableRecord[] } | { ok: false; refusal: ImportRefusal; tooLong?: true }> {
  const maxRecords = IMPORT_LIMITS.maxRows + 1;
  if (request.headers['content-type']?.startsWith(XLSX_TYPE)) {
    const read = await readXlsx(body, maxRecords);
    return read.ok ? read : { ok: false, refusal: { line: read.line, column: '', reason: read.reason }, ...(read.tooLong ? { tooLong: true as const } : {}) };
  }
  const text = new TextDecoder('utf-8', { fatal: true });
  let decoded: string;
  try {
    decoded = text.decode(body);
  } catch {
    return { ok: false, refusal: { line: 1, column: '', reason: 'the file is not UTF-8: save it as "CSV UTF-8" (Excel) or UTF-8 (WPS), not GBK' } };
  }
  const read = parseCsv(decoded, maxRecords);
  return read.ok ? read : { ok: false, refusal: { line: read.line, column: '', reason: read.reason }, ...(read.tooLong ? { tooLong: true as const } : {}) };
}

function refusedAnswer(reply: FastifyReply, refused: readonly ImportRefusal[], rows: number): FastifyReply {
  return reply.status(422).send({
    ...errorBody(422, `${refused.length} refusal${refused.length === 1 ? '' : 's'} in ${rows} rows: nothing was applied (fix them, or import with ?partial=true to apply the rest)`),
    applied: 0,
    refused,
  });
}

export function deviceImportRoutes(ctx: ApiContext) {
  // One import at a time, in arrival order: each plans against the registry as the one before it left it.
  let queue: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work);
    queue = run.catch(() => undefined);
    return run;
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    // The file as bytes, bounded here (the API's other bodies stay at 64 KiB).
    app.addContentTypeParser(['text/csv', 'text/plain', XLSX_TYPE], { parseAs: 'buffer', bodyLimit: IMPORT_LIMITS.maxBytes }, (_request, body, done) => done(null, body));

    r.get(
      '/devices/import/template',
      {
        config: { role: 'admin' },
        schema: { summary: 'An import file to fill in: Chinese headers and one example kitchen (CSV, or XLSX with ?format=xlsx)', querystring: z.object({ format: z.enum(['csv', 'xlsx']).optional() }).strict(), response: answers({ 200: z.string() }, 400, 403) },
      },
      async (request, reply) => {
        if (request.query.format === 'xlsx') {
          const book = new ExcelJS.Workbook();
          const sheet = book.addWorksheet('设备');
          for (const row of TEMPLATE_ROWS) sheet.addRow([...row]);
          sheet.getRow(1).font = { bold: true };
          void reply.type(XLSX_TYPE).header('content-disposition', `attachment; filename="devices-template.xlsx"; filename*=UTF-8''${encodeURIComponent('设备导入模板.xlsx')}`);
          return reply.send(Buffer.from(await book.xlsx.writeBuffer()));
        }
        void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="devices-template.csv"; filename*=UTF-8''${encodeURIComponent('设备导入模板.csv')}`);
        return reply.send(UTF8_BOM + TEMPLATE_ROWS.map((r) => csvLine([...r])).join(''));
      },
    );

    r.post(
      '/devices/import',
      {
        config: { role: 'admin' },
        bodyLimit: IMPORT_LIMITS.maxBytes,
        schema: {
          summary: `Imports devices from CSV (text/csv, UTF-8) or XLSX; answers the new devices' secrets once as CSV (JSON with Accept: application/json), or 422 with every refused row; at most ${MB} MB and ${IMPORT_LIMITS.maxRows} rows`,
          querystring: z.object({ partial: flag, replace: flag }).strict(),
          response: answers(
            {
              200: z.object({ applied: z.number(), sitesCreated: z.number(), secrets: z.array(z.object({ site: z.string(), device: z.string(), username: z.string(), secret: z.string() })), refused: z.array(refusal) }),
              422: z.object({ message: z.string(), applied: z.literal(0), refused: z.array(refusal) }),
            },
            400, 403, 413, 415, 501,
          ),
        },
        errorHandler: (err: FastifyError, _request, reply) => {
          if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send(errorBody(413, `the file is larger than ${MB} MB: split it into several files of at most ${IMPORT_LIMITS.maxRows} rows`));
          if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(415).send(errorBody(415, `send the file as text/csv (UTF-8) or ${XLSX_TYPE}`));
          throw err;
        },
      },
      async (request, reply) => {
        const fleet = registryOf(ctx);
        if (!Buffer.isBuffer(request.body)) throw new ApiError(415, `send the file as text/csv (UTF-8) or ${XLSX_TYPE}`);
        const read = await records(request, request.body);
        if (!read.ok && read.tooLong) {
          return reply.status(413).send(errorBody(413, `the file has more than ${IMPORT_LIMITS.maxRows} rows: split it into files of at most ${IMPORT_LIMITS.maxRows} rows`));
        }
        if (!read.ok) return refusedAnswer(reply, [read.refusal], 0);
        const options = { partial: request.query.partial === 'true', replace: request.query.replace === 'true' };
        const { plan, outcome } = await inTurn(async () => {
          const regions = new Set(fleet.regions().map((r) => r.id));
          const orgs = new Set(fleet.organisations().map((o) => o.id));
          const lookup = {
            hasSite: (s: string) => fleet.site(s) !== undefined,
            hasDevice: (s: string, d: string) => fleet.device(s, d) !== undefined,
            hasRegion: (r: string) => regions.has(r),
            hasOrg: (o: string) => orgs.has(o),
            mayUse: (s: string) => siteVisible(ctx, request, s),
            mayCreate: (s: string, region: string | undefined, org: string | undefined) => scopeHolds(ctx, request, s, region, org),
          };
          const plan = await planImportYielding(read.records, lookup, options);
          try {
            return { plan, outcome: await applyImport(plan, fleet, fleet, actorOf(ctx, request), options) };
          } catch (err) {
            throw registryRefusal(err);
          }
        });
        if (outcome.applied === 0 && outcome.refused.length > 0) return refusedAnswer(reply, outcome.refused, plan.rows);
        request.log.info({ rows: plan.rows, applied: outcome.applied, sitesCreated: outcome.sitesCreated, refused: outcome.refused.length, secrets: outcome.secrets.length }, 'devices imported');
        noStore(reply);
        const secrets = outcome.secrets.map((s) => ({ site: s.site, device: s.device, username: `${s.site}/${s.device}`, secret: s.secret }));
        if (wantsJson(request)) return { applied: outcome.applied, sitesCreated: outcome.sitesCreated, secrets, refused: outcome.refused };
        // The counts travel beside the file: a partial import's refusals are asked for as JSON.
        void reply.header('x-import-applied', String(outcome.applied)).header('x-import-refused', String(outcome.refused.length));
        attachment(reply, `device-secrets-${new Date(ctx.clock()).toISOString().slice(0, 10)}.csv`);
        return reply.send(secretsCsv(outcome.secrets));
      },
    );
  };
}
