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
 * (the site directory shows them the regions above their sites).
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

/**
 * Whether everything `inner` holds is within `outer`, so a caller of scope `outer` may grant it
 * (a token, a user) or manage the account that has it: a county's admin cannot make an `all`
 * token, nor reset the password of another county's officer or of a fleet-wide admin.
 */
export function scopeWithin(scopes: ScopeReader, outer: Scope, inner: Scope): boolean {
  if (outer.kind === 'all') return true;
  switch (inner.kind) {
    case 'all':
      return false;
    case 'site':
      return scopes.contains(outer, inner.site);
    case 'org':
      return outer.kind === 'org' && outer.org === inner.org;
    case 'regions':
      return inner.regions.every((r) => regionWithin(scopes, outer, r));
  }
}

/**
 * The accounts (users, tokens) whose scope, stored as JSON in `column`, lies within `caller`
 * (scopeWithin in SQL, so the admins' lists page only what a county's admin may manage); undefined
 * for `all`. An account of scope `all` (or NULL: a token from before scopes) is nobody's but `all`'s.
 */
export function accountsWithinSql(scopes: ScopeReader, caller: Scope, column: 'scope'): { sql: string; params: unknown[] } | undefined {
  if (caller.kind === 'all') return undefined;
  const kind = `json_extract(${column}, '$.kind')`;
  if (caller.kind === 'site') return { sql: `(${kind} = 'site' AND json_extract(${column}, '$.site') = ?)`, params: [caller.site] };
  const sites = `(${kind} = 'site' AND json_extract(${column}, '$.site') IN (SELECT value FROM json_each(?)))`;
  const siteIds = JSON.stringify([...(scopes.siteIds(caller) ?? [])]);
  if (caller.kind === 'org') return { sql: `(${sites} OR (${kind} = 'org' AND json_extract(${column}, '$.org') = ?))`, params: [siteIds, caller.org] };
  const regions = `(${kind} = 'regions' AND json_array_length(${column}, '$.regions') > 0
    AND NOT EXISTS (SELECT 1 FROM json_each(${column}, '$.regions') r WHERE r.value NOT IN (SELECT value FROM json_each(?))))`;
  return { sql: `(${sites} OR ${regions})`, params: [siteIds, JSON.stringify(scopes.regionIds(caller) ?? [])] };
}
