// The caller's scope (gateway/src/contract/scope.ts): what its token or user may see and act on.
// Every route passes it into the query it makes; a token without one (admins, the gateway's own
// accounts, tokens made before scopes existed) sees everything.

import type { FastifyRequest } from 'fastify';
import { ALL_SCOPE, type Scope } from '../../gateway/src/contract/scope.js';
import type { ScopeReader } from '../../gateway/src/registry/scope-reader.js';

/** The scope of the authenticated caller; `all` when its principal carries none. */
export function scopeOf(request: FastifyRequest): Scope {
  return request.principal?.scope ?? ALL_SCOPE;
}

/**
 * Whether a region of the registry is within a region scope: it is one of the scope's regions or
 * below one. `all` holds every region there is; an organisation or a site scope holds none here
 * (the fleet browser shows them the regions above their sites).
 */
export function regionWithin(scopes: ScopeReader, scope: Scope, region: string): boolean {
  const path = scopes.regionPath(region);
  if (path === undefined) return false;
  if (scope.kind === 'all') return true;
  if (scope.kind !== 'regions') return false;
  return scope.regions.some((r) => {
    const top = scopes.regionPath(r);
    return top !== undefined && path.startsWith(top);
  });
}
