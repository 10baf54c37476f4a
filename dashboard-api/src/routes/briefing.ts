// The daily duty briefing (值班日报) as the API serves it: the figures, Markdown and HTML
// of one duty day for a region, and the same HTML as a page an officer opens in the browser.
// A date names the briefing as it is sent: the duty day that ends that local date at
// notify.briefing.at (the handover), in the roster's time zone.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import type { Scope } from '../../../gateway/src/contract/scope.js';
import { regionWithin, scopeOf } from '../scope-of.js';
import type { NotificationService } from '../deps.js';
import { ApiError } from '../errors.js';
import { answers, idParam } from '../schemas.js';
import { escapeHtml } from '../../../gateway/src/notify/html.js';

/** A real calendar date: 2026-02-30 passes the pattern but is no day. */
function isCalendarDate(s: string): boolean {
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const at = new Date(Date.UTC(y, m - 1, d));
  return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d;
}

const dateQuery = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a local date as YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date')
  .describe('The local date the briefing is sent (default: the newest whose hour has come)');

const briefingQuery = z.object({ date: dateQuery.optional(), region: idParam('region').optional() }).strict();
/** The page also takes `?access_token=`: a browser tab opened from a link cannot send a header. */
const pageQuery = briefingQuery.extend({ access_token: z.string().optional() }).strict();

const briefingAnswer = z
  .looseObject({
    date: z.string(),
    region: z.object({ id: z.string(), name: z.string() }),
    timeZone: z.string(),
    fromMs: z.number(),
    toMs: z.number(),
    /** false while the duty day is still running (the figures are so far). */
    complete: z.boolean(),
    title: z.string(),
    markdown: z.string(),
    markdownLists: z.string(),
    html: z.string(),
    alarmsByLevel: z.record(z.string(), z.number()),
  })
  .describe('Briefing');

export function briefingRoutes(ctx: ApiContext) {
  function service(): NotificationService {
    if (!ctx.deps.notifier) throw new ApiError(501, 'the daily briefing is not available in this gateway build (the notifier is not wired)');
    return ctx.deps.notifier;
  }

  /** A region's briefing is readable within its scope (an organisation or a site scope reads none by region: it reads its own sites'). */
  const mayRead = (scope: Scope, region: string): boolean => scope.kind === 'all' || regionWithin(ctx.scopes, scope, region);

  /** The sites of an organisation or a site scope, as a briefing region (undefined for `all`: every site). */
  function ownSites(scope: Scope): { id: string; name: string; sites: string[] } | undefined {
    if (scope.kind === 'site') return { id: scope.site, name: ctx.sites.get(scope.site)?.name ?? scope.site, sites: [scope.site] };
    if (scope.kind === 'org') return { id: scope.org, name: scope.org, sites: [...(ctx.scopes.siteIds(scope) ?? [])] };
    return undefined;
  }

  function briefing(request: FastifyRequest, query: { date?: string | undefined; region?: string | undefined }) {
    const svc = service();
    const now = ctx.clock();
    const date = query.date ?? svc.latestBriefingDate(now);
    const scope = scopeOf(request);
    // A county officer's briefing is his county's (the first of his regions) unless he names one
    // below it; an owner's or a gas company's is that of its own sites.
    const regionId = query.region ?? (scope.kind === 'regions' ? scope.regions[0] : undefined);
    const readable = (id: string) => mayRead(scope, id);
    if (scope.kind !== 'all' && (regionId === undefined ? scope.kind === 'regions' : !readable(regionId))) {
      throw new ApiError(404, `no region ${regionId ?? '(all sites)'}: known regions are ${svc.briefingRegions().map((r) => r.id).filter(readable).join(', ')}`);
    }
    const found = svc.briefingOn(date, regionId ?? ownSites(scope));
    if (!found) {
      const known = svc.briefingRegions().map((r) => r.id).filter(readable);
      throw new ApiError(404, `no region ${query.region}: known regions are ${known.join(', ')} (leave region out for every site)`);
    }
    if (found.window.fromMs > now) throw new ApiError(400, `date: the briefing of ${date} covers a duty day that has not begun yet`);
    const { title, markdown, markdownLists, html, ...figures } = found.briefing;
    return {
      answer: { date, region: found.region, timeZone: found.timeZone, complete: found.window.toMs <= now, ...figures, title, markdown, markdownLists, html },
      language: found.language,
    };
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/briefing',
      {
        config: { role: 'viewer' },
        schema: {
          summary: 'Daily duty briefing (值班日报): alarms by level and site, orders, rectifications, devices offline, time to acknowledge',
          description: 'One duty day (handover to handover, notify.briefing.at) ending on `date`, in the roster time zone; `region` from notify.briefing.regions, absent = every site.',
          querystring: briefingQuery,
          response: answers({ 200: briefingAnswer }, 400, 404, 501),
        },
      },
      async (request) => briefing(request, request.query).answer,
    );

    r.get(
      '/briefing.html',
      {
        config: { role: 'viewer', queryToken: true },
        schema: {
          summary: 'The daily briefing as an HTML page (text/html) to open in the browser',
          description: 'Same query as /briefing; also takes `?access_token=` so that a link opens it. No scripts or inline styles: the page CSP holds.',
          querystring: pageQuery,
          response: answers({}, 400, 404, 501),
        },
      },
      async (request, reply) => {
        const { answer, language } = briefing(request, request.query);
        const page = [
          '<!doctype html>',
          `<html lang="${language === 'zh' ? 'zh-CN' : 'en'}">`,
          `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(answer.title)}</title></head>`,
          '<body>',
          answer.html,
          '</body>',
          '</html>',
        ].join('\n');
        // Figures of a running day change; a token in the URL must not leave the page (Referrer-Policy: no-referrer from helmet).
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
      },
    );
  };
}
