// The caller's scope (gateway/src/contract/scope.ts): what its token or user may see and act on.
// Every route passes it into the query it makes; a token without one (admins, the gateway's own
// accounts, tokens made before scopes existed) sees everything.

import type { FastifyRequest } from 'fastify';
import { ALL_SCOPE, type Scope } from '../../gateway/src/contract/scope.js';

/** The scope of the authenticated caller; `all` when its principal carries none. */
export function scopeOf(request: FastifyRequest): Scope {
  return request.principal?.scope ?? ALL_SCOPE;
}
