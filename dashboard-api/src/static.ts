// Serves the officers' page (dashboard-api/web) at `/` and the one library it loads, uPlot, from
// node_modules: sites run on closed networks, so nothing comes from a CDN. No token is needed
// for these files; every call the page makes to /api/v1 carries one.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';

const here = dirname(fileURLToPath(import.meta.url));

// From source the page is next door; compiled, this file sits in dist/dashboard-api/src and the
// page stays in the package's dashboard-api/web (tsc copies no HTML).
const WEB_CANDIDATES = [resolve(here, '../web'), resolve(here, '../../../dashboard-api/web')];

/** The page's directory, or null when no candidate holds its index.html. */
export function webRoot(): string | null {
  return WEB_CANDIDATES.find((dir) => existsSync(resolve(dir, 'index.html'))) ?? null;
}

/** Only the two files the page uses, not the rest of the package. */
const UPLOT_FILES = new Set(['/uPlot.esm.js', '/uPlot.min.css']);

export const staticPage: FastifyPluginAsync = async (app) => {
  const root = webRoot();
  if (root === null) {
    // A build that left the page out must not take the API down with it: say so at `/` and in the log.
    const message = `dashboard page not installed (looked in ${WEB_CANDIDATES.join(', ')}); the API under /api/v1 works`;
    app.log.error(message);
    app.get('/', async (_request, reply) => reply.status(503).send({ statusCode: 503, error: 'Service Unavailable', message }));
    return;
  }
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.esm.js'));

  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: 'index.html',
    wildcard: true,
    // The page is small and changes with each release; revalidate rather than cache stale code.
    cacheControl: true,
    maxAge: 0,
  });
  await app.register(fastifyStatic, {
    root: uplotDir,
    prefix: '/vendor/uplot/',
    decorateReply: false,
    allowedPath: (pathName) => UPLOT_FILES.has(pathName),
    maxAge: 24 * 3_600_000,
  });
};
