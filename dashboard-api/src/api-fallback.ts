// What an /api/ path that matches no route answers. Without it the page's static wildcard (`/*`)
// took such paths and answered a path segment too long for the router (a 5 000-character alarm
// id) with 403, telling an admin they lacked a right they have.

import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

/** Longest path parameter the router matches (fastify's maxParamLength); ids are far shorter. */
export const MAX_PARAM_LENGTH = 200;

/** A URL as it may be quoted back in a message: bounded, without the query string (it may hold a token). */
function quoted(url: string): string {
  const path = url.split('?')[0]!;
  return path.length > 120 ? `${path.slice(0, 120)}… (${path.length} characters)` : path;
}

export function registerApiFallback(app: FastifyInstance): void {
  // Behind the auth hook like every /api/ route: a caller without a token learns nothing here.
  app.all('/api/*', { schema: { hide: true } }, async (request) => {
    const segments = request.url.split('?')[0]!.split('/');
    const longest = Math.max(...segments.map((s) => s.length));
    if (longest > MAX_PARAM_LENGTH) throw new ApiError(400, `a path segment of ${longest} characters is longer than the ${MAX_PARAM_LENGTH} any id may have`);
    throw new ApiError(404, `no route ${request.method} ${quoted(request.url)}`);
  });
}
