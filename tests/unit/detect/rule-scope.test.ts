// ruleScope: which sensors a change of the rules can touch.

import { describe, expect, it } from 'vitest';
import { ruleScope, type RuleView } from '../../../gateway/src/detect/rule-scope.js';

const body = {};
const view = (sites?: string[], b: object = body): RuleView => ({ body: b, quantity: 'methane_lel', sites: sites ? new Set(sites) : undefined });
const scope = (before: Record<string, RuleView>, after: Record<string, RuleView>) => {
  const s = ruleScope(new Map(Object.entries(before)), new Map(Object.entries(after)));
  return { every: [...s.everySite], sites: Object.fromEntries([...s.sites].map(([q, set]) => [q, [...set].sort()])) };
};

describe('ruleScope', () => {
  it('touches only the sites that joined or left an unchanged rule', () => {
    expect(scope({ r: view(['a', 'b']) }, { r: view(['a', 'b', 'c']) })).toEqual({ every: [], sites: { methane_lel: ['c'] } });
    expect(scope({ r: view(['a', 'b']) }, { r: view(['b']) })).toEqual({ every: [], sites: { methane_lel: ['a'] } });
  });

  it('touches every site of a rule added, removed or whose numbers changed', () => {
    expect(scope({}, { r: view(['x', 'y']) })).toEqual({ every: [], sites: { methane_lel: ['x', 'y'] } });
    expect(scope({ r: view(['a']) }, { r: view(['b'], {}) })).toEqual({ every: [], sites: { methane_lel: ['a', 'b'] } });
    expect(scope({ r: view() }, {})).toEqual({ every: ['methane_lel'], sites: {} });
  });

  it('touches nothing when nothing changed, and every sensor of the quantity when a rule goes from all sites to some', () => {
    expect(scope({ r: view(), s: view(['a']) }, { r: view(), s: view(['a']) })).toEqual({ every: [], sites: {} });
    expect(scope({ r: view() }, { r: view(['a']) })).toEqual({ every: ['methane_lel'], sites: {} });
  });
});
