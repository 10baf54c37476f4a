// siteScopeSql (scope-sql.ts) for queries that bind named parameters (@name): its `?` become
// @scope0, @scope1 … and their values go into the query's parameter object.

import type { Scope } from '../contract/scope.js';
import { siteScopeSql } from './scope-sql.js';

/** The scope's condition on `siteColumn` with named parameters, its values put into `params`. */
export function namedScopeSql(scope: Scope, siteColumn: string, params: Record<string, unknown>, prefix = 'scope'): string {
  const cond = siteScopeSql(scope, siteColumn);
  let i = 0;
  return cond.sql.replace(/\?/g, () => {
    const name = `${prefix}${i}`;
    params[name] = cond.params[i++];
    return `@${name}`;
  });
}
