// Whether a scope names things that exist: an officer given `region:jiangan` when the region is
// `hubei-wuhan-jiangan` would see an empty dashboard and think all is quiet.

import type { Scope } from '../../../gateway/src/contract/scope.js';

/** Which sites, regions and organisations exist (the fleet's, or the config's). */
export interface ScopeTargets {
  site(id: string): boolean;
  region(id: string): boolean;
  org(id: string): boolean;
}

/** What in the scope does not exist, in words, or null. */
export function scopeProblem(scope: Scope, targets: ScopeTargets): string | null {
  switch (scope.kind) {
    case 'all':
      return null;
    case 'site':
      return targets.site(scope.site) ? null : `no site ${scope.site}`;
    case 'org':
      return targets.org(scope.org) ? null : `no organisation ${scope.org}`;
    case 'regions': {
      const missing = scope.regions.filter((r) => !targets.region(r));
      return missing.length === 0 ? null : `no region ${missing.join(', ')}`;
    }
  }
}

/** An owner is one restaurant: its scope is that site, nothing wider. */
export function roleScopeProblem(role: string, scope: Scope): string | null {
  return role === 'owner' && scope.kind !== 'site' ? 'an owner sees one site: give scope site:ID' : null;
}

/** The targets named in a config (sites, regions, organisations sections). */
export function configTargets(config: { readonly sites: readonly { readonly id: string }[]; readonly regions?: readonly { readonly id: string }[]; readonly organisations?: readonly { readonly id: string }[] }): ScopeTargets {
  const sites = new Set(config.sites.map((s) => s.id));
  const regions = new Set((config.regions ?? []).map((r) => r.id));
  const orgs = new Set((config.organisations ?? []).map((o) => o.id));
  return { site: (id) => sites.has(id), region: (id) => regions.has(id), org: (id) => orgs.has(id) };
}
