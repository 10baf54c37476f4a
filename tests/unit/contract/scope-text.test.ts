// The text form of a scope as people write it (command line, config), read and written back.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseScope, scopeFromJson, scopeText } from '../../../gateway/src/contract/scope-text.js';

describe('scope text', () => {
  it.each([
    ['all', { kind: 'all' }],
    ['region:hubei-wuhan', { kind: 'regions', regions: ['hubei-wuhan'] }],
    ['region:a, region:b,region:a', { kind: 'regions', regions: ['a', 'b'] }],
    ['org:hk-gas', { kind: 'org', org: 'hk-gas' }],
    ['site:r-0042', { kind: 'site', site: 'r-0042' }],
  ])('reads %s', (text, scope) => {
    expect(parseScope(text)).toEqual({ ok: true, scope });
  });

  it.each([
    ['', '"" is not a scope: write all, region:ID[,region:ID…], org:ID or site:ID'],
    ['county:x', '"county" is not a scope kind: write all, region:ID[,region:ID…], org:ID or site:ID'],
    ['site:a/b', 'site id "a/b": only A-Z a-z 0-9 _ - allowed'],
    ['site:a,site:b', 'only several regions may be combined, not site:a, site:b: write all, region:ID[,region:ID…], org:ID or site:ID'],
    ['region:a,org:b', 'only several regions may be combined, not region:a, org:b: write all, region:ID[,region:ID…], org:ID or site:ID'],
    ['site:__proto__', 'site id "__proto__": reserved name'],
  ])('refuses %j with what to write', (text, problem) => {
    expect(parseScope(text)).toEqual({ ok: false, problem });
  });

  it('writes back what it reads, for any ids', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/).filter((s) => !['__proto__', 'constructor', 'prototype'].includes(s));
    const text = fc.oneof(
      fc.constant('all'),
      fc.uniqueArray(id, { minLength: 1, maxLength: 5 }).map((rs) => rs.map((r) => `region:${r}`).join(',')),
      id.map((o) => `org:${o}`),
      id.map((s) => `site:${s}`),
    );
    fc.assert(fc.property(text, (t) => {
      const parsed = parseScope(t);
      return parsed.ok && scopeText(parsed.scope) === t && JSON.stringify(scopeFromJson(JSON.stringify(parsed.scope))) === JSON.stringify(parsed.scope);
    }));
  });

  it('reads an unreadable stored scope as none, never as all', () => {
    expect(scopeFromJson(null)).toBeNull();
    expect(scopeFromJson('{"kind":"regions"}')).toBeNull();
    expect(scopeFromJson('not json')).toBeNull();
    expect(scopeFromJson('{"kind":"everything"}')).toBeNull();
  });
});
