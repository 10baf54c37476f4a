// The OpenAPI 3 document, generated from the zod schemas that validate every route, at
// /docs/json, and Swagger UI at /docs (its assets come from the npm package: no CDN).

import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** Registered before the routes: swagger collects them as they are added. */
export function registerOpenApi(app: FastifyInstance): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Shaobing dashboard API',
        description:
          'Duty officers\' API of the Shaobing safety gateway. Every /api/v1 route needs `Authorization: Bearer <token>`; ' +
          'roles viewer < officer < admin. Times are epoch milliseconds; levels blue < yellow < orange < red.',
        version: '1',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // The UI loads only its own files, so the page's same-origin CSP (app.ts) covers it; its own
  // staticCSP would add upgrade-insecure-requests, which breaks /docs on a plain-http site network.
  void app.register(swaggerUi, { routePrefix: '/docs' });
}
