// The hazard statistics (隐患排查治理统计分析表) per region for a quarter or a year, as JSON or as
// the CSV/XLSX file the safety bureau files (16号令 第十四条: each quarter by the 15th of the next,
// each year by 31 January). Counted in SQL inside the caller's scope (gateway/src/hazards/report.ts).

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { scopeOf } from '../scope-of.js';
import { answers, idParam } from '../schemas.js';
import type { HazardReport } from '../../../gateway/src/hazards/hazard-service.js';
import { parsePeriod } from '../../../gateway/src/hazards/report-period.js';
import { CONTENT_TYPE, EXPORT_FORMATS, contentDisposition, csvStream, xlsxStream } from '../export/write.js';
import type { Cell } from '../export/csv.js';

const reportQuery = z
  .object({
    period: z.string().refine((p) => parsePeriod(p) !== undefined, 'period: a quarter 2026-Q4 or a year 2026'),
    /** A region id: that region and each of its children; absent, the top-level regions. */
    region: idParam('region').optional(),
    format: z.enum(['json', ...EXPORT_FORMATS]).default('json'),
  })
  .strict();

const HEADERS = ['地区编码', '地区', '统计期', '发现隐患', '一般隐患', '重大隐患', '未定级', '整改完成', '其中一般', '其中重大', '其中以前发现', '本期发现按期整改', '逾期未整改', '其中重大逾期', '整改率(%)'];

function cells(report: HazardReport): Cell[][] {
  return report.rows.map((r) => [
    r.region,
    r.name,
    report.period,
    r.found,
    r.foundGeneral,
    r.foundMajor,
    r.foundUngraded,
    r.fixed,
    r.fixedGeneral,
    r.fixedMajor,
    r.fixedFoundEarlier,
    r.foundFixedOnTime,
    r.overdue,
    r.overdueMajor,
    r.fixRate === null ? null : Math.round(r.fixRate * 1000) / 10,
  ]);
}

async function* once(rows: Cell[][]): AsyncGenerator<Cell[][]> {
  yield rows;
}

export function hazardReportRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/hazards/report',
      {
        config: { role: 'viewer' },
        schema: {
          summary: 'Hazard statistics per region for a quarter or a year (16号令 第十四条): found, fixed, overdue by grade and category, and the fix rate',
          querystring: reportQuery,
          produces: ['application/json', CONTENT_TYPE.csv, CONTENT_TYPE.xlsx],
          response: answers({ 200: z.any().describe('the report, or the file') }, 400, 404, 501),
        },
      },
      async (request, reply) => {
        if (ctx.deps.hazards === undefined) throw new ApiError(501, 'the hazard ledger is not available in this gateway build');
        const q = request.query;
        const period = parsePeriod(q.period)!;
        const report = ctx.deps.hazards.report(scopeOf(request), period, q.region);
        if (report === undefined) throw new ApiError(404, `no region ${q.region}`);
        if (q.format === 'json') return report;
        const name = `hazard-report_${report.period}${q.region ? `_${q.region}` : ''}.${q.format}`;
        const utf8 = `隐患排查治理统计_${report.period}${q.region ? `_${q.region}` : ''}.${q.format}`;
        const body = q.format === 'csv' ? csvStream(HEADERS, once(cells(report))) : xlsxStream('隐患统计', HEADERS, once(cells(report)), (err) => request.log.error({ err }, 'hazard report file failed part-way'));
        return reply.header('Content-Type', CONTENT_TYPE[q.format]).header('Content-Disposition', contentDisposition(name, utf8)).header('Cache-Control', 'no-store').send(body);
      },
    );
  };
}
