// One error shape for every refusal, `{ statusCode, error, message }`, and never a stack trace:
// the log keeps the detail of a 500, the client reads "internal error".

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadQuery } from '../../gateway/src/errors.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  423: 'Locked',
  429: 'Too Many Requests',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** A refusal the client can act on; its message is shown as it is. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** Fields of the answer beside the message, for clients that say it in their own words. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorBody(statusCode: number, message: string): { statusCode: number; error: string; message: string } {
  return { statusCode, error: TITLES[statusCode] ?? (statusCode >= 500 ? 'Internal Server Error' : 'Error'), message };
}

/** Where a query string refusal is, in the words of the contract ("query", not "querystring"). */
function where(context: string | undefined): string {
  return context === 'querystring' ? 'query' : (context ?? 'request');
}

/** "limit: Too small: expected number to be >=1; note: must not be blank" */
function validationMessage(err: FastifyError): string {
  return (err.validation ?? [])
    .map((v) => {
      const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
      return `${path || where(err.validationContext)}: ${v.message ?? 'invalid'}`;
    })
    .join('; ');
}

export function registerErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err.validation) return reply.status(400).send(errorBody(400, validationMessage(err)));
    // The gateway's faces refuse a query the caller can correct (a foreign cursor) with its words.
    if (err instanceof BadQuery) return reply.status(400).send(errorBody(400, err.message));
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500 && !(err instanceof ApiError)) {
      request.log.error({ err, url: request.routeOptions.url, method: request.method }, 'request failed');
      return reply.status(500).send(errorBody(500, 'internal error'));
    }
    // Fastify's own 4xx (bad JSON, wrong content type, body too large) and ours say nothing secret.
    return reply.status(status).send({ ...errorBody(status, err.message), ...(err instanceof ApiError ? err.extra : {}) });
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody(404, `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
