// A scope (scope.ts) as people write it on a command line or in a config file, and back:
// `all`, `region:hubei-wuhan,region:hubei-xiaogan` (region subtrees), `org:hk-gas`, `site:r-0042`.
// Stored as JSON (the Scope value itself) in the users and tokens tables.

import { idProblem } from './ids.js';
import { ALL_SCOPE, type Scope } from './scope.js';

export type ScopeParse = { readonly ok: true; readonly scope: Scope } | { readonly ok: false; readonly problem: string };

const FORMS = 'all, region:ID[,region:ID…], org:ID or site:ID';

/** Reads `all`, `region:a,region:b`, `org:x` or `site:y`; a refusal says what is wrong and the forms. */
export function parseScope(text: string): ScopeParse {
  const trimmed = text.trim();
  if (trimmed === 'all') return { ok: true, scope: ALL_SCOPE };
  const parts = trimmed.split(',').map((p) => p.trim());
  const pairs: [string, string][] = [];
  for (const part of parts) {
    const colon = part.indexOf(':');
    if (colon < 0) return { ok: false, problem: `"${part}" is not a scope: write ${FORMS}` };
    const kind = part.slice(0, colon);
    const id = part.slice(colon + 1);
    if (kind !== 'region' && kind !== 'org' && kind !== 'site') return { ok: false, problem: `"${kind}" is not a scope kind: write ${FORMS}` };
    const bad = idProblem(id);
    if (bad) return { ok: false, problem: `${kind} id "${id}": ${bad}` };
    pairs.push([kind, id]);
  }
  const kinds = new Set(pairs.map(([k]) => k));
  if (kinds.size > 1 || (!kinds.has('region') && pairs.length > 1)) {
    // One site or one organisation per account: a person responsible for two gets two scopes' worth
    // of regions instead, or two accounts; mixing kinds would make "in scope" ambiguous.
    return { ok: false, problem: `only several regions may be combined, not ${parts.join(', ')}: write ${FORMS}` };
  }
  const [kind, id] = pairs[0]!;
  if (kind === 'region') return { ok: true, scope: { kind: 'regions', regions: [...new Set(pairs.map(([, r]) => r))] } };
  return { ok: true, scope: kind === 'org' ? { kind: 'org', org: id } : { kind: 'site', site: id } };
}

/** The text form `parseScope` reads. */
export function scopeText(scope: Scope): string {
  switch (scope.kind) {
    case 'all':
      return 'all';
    case 'regions':
      return scope.regions.map((r) => `region:${r}`).join(',');
    case 'org':
      return `org:${scope.org}`;
    case 'site':
      return `site:${scope.site}`;
  }
}

/** A stored scope (JSON of a Scope); null or unreadable JSON is no scope at all, never `all`. */
export function scopeFromJson(json: string | null): Scope | null {
  if (json === null) return null;
  try {
    const value = JSON.parse(json) as { kind?: unknown };
    const parsed = parseScope(typeof value === 'object' && value !== null ? scopeText(value as Scope) : '');
    return parsed.ok ? parsed.scope : null;
  } catch {
    return null;
  }
}
