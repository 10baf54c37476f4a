// What a user or token may see and act on. Every list, detail, stream, report and action is limited
// to it in the query itself (registry/scope-sql.ts); an object outside it answers 404, as if it
// did not exist, so a scope does not leak which sites another region has.

export type Scope =
  /** Everything (admins, the gateway's own accounts). */
  | { readonly kind: 'all' }
  /** The sites of one or more region subtrees (a county bureau: its county and all below). */
  | { readonly kind: 'regions'; readonly regions: readonly string[] }
  /** The sites of one organisation (a gas supplier). */
  | { readonly kind: 'org'; readonly org: string }
  /** One site (a restaurant owner). */
  | { readonly kind: 'site'; readonly site: string };

export const ALL_SCOPE: Scope = Object.freeze({ kind: 'all' });
