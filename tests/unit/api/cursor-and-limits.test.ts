// The alarm cursor is opaque but exact, and refuses what it did not hand out; the failed-auth
// limiter blocks per address within its window and forgets after it; roles order as promised;
// canonical JSON (the audit hash input) is the same bytes whatever the key order.

import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, alarmFromRow } from '../../../gateway/src/alarms/alarm-list-query.js';
import { FailureLimiter } from '../../../dashboard-api/src/auth.js';
import { roleAtLeast } from '../../../dashboard-api/src/token-store.js';
import { canonicalJson } from '../../../gateway/src/audit/canonical-json.js';
import { BadQuery } from '../../../gateway/src/errors.js';

describe('alarm cursor', () => {
  it('round-trips the position of the last alarm of a page', () => {
    const c = encodeCursor(1_763_800_000_123, 'a/"odd" id');
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual({ raisedAtMs: 1_763_800_000_123, id: 'a/"odd" id' });
  });

  it.each(['', 'abc', Buffer.from('[1.5,"x"]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url')])(
    'refuses %j as a bad query naming the cursor (the API answers 400)',
    (bad) => {
      expect(() => decodeCursor(bad)).toThrow(BadQuery);
      expect(() => decodeCursor(bad)).toThrow(/^cursor: not a cursor from this API/);
    },
  );

  it('maps alarm columns to the Alarm field names, new columns included', () => {
    expect(alarmFromRow({ id: 'a', rule_id: 'r', peak_level: 'red', shelved_until_ms: null, raised_at_ms: 5 })).toEqual({ id: 'a', ruleId: 'r', peakLevel: 'red', shelvedUntilMs: null, raisedAtMs: 5 });
  });
});

describe('failed-authentication limiter', () => {
  it('blocks an address after max failures until its window ends, others unaffected', () => {
    let now = 0;
    const limiter = new FailureLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.blockedFor('10.0.0.1')).toBe(0);
      limiter.fail('10.0.0.1');
    }
    expect(limiter.blockedFor('10.0.0.1')).toBe(60);
    expect(limiter.blockedFor('10.0.0.2')).toBe(0);
    now = 59_001;
    expect(limiter.blockedFor('10.0.0.1')).toBe(1);
    now = 60_000;
    expect(limiter.blockedFor('10.0.0.1')).toBe(0);
  });

  it('stays bounded under an address sweep', () => {
    const limiter = new FailureLimiter(3, 60_000, () => 0);
    for (let i = 0; i < 25_000; i++) limiter.fail(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    expect((limiter as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(10_000);
  });
});

describe('roles and canonical JSON', () => {
  it('orders viewer < officer < admin', () => {
    expect([roleAtLeast('viewer', 'officer'), roleAtLeast('officer', 'officer'), roleAtLeast('admin', 'officer'), roleAtLeast('officer', 'admin')]).toEqual([false, true, true, false]);
  });

  it('gives the same bytes whatever the key order, without undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: '整改' }, u: undefined })).toBe('{"a":{"c":"整改","d":[1,"x",null]},"b":1}');
    expect(canonicalJson({ a: { c: '整改', d: [1, 'x', null] }, b: 1 })).toBe(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: '整改' } }));
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
  });
});
