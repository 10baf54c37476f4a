// The lockout rule (dashboard-api/src/users/lockout.ts) over a run of failures and time.

import { describe, expect, it } from 'vitest';
import { afterFailure, lockedForMs, UNLOCKED, type LockoutState } from '../../../dashboard-api/src/users/lockout.js';

const RULE = { maxFailures: 5, lockMs: 15 * 60_000 };

describe('lockout', () => {
  it('locks at the fifth consecutive failure for 15 minutes, then gives five tries again', () => {
    let state: LockoutState = UNLOCKED;
    for (let i = 1; i <= 4; i++) {
      state = afterFailure(state, 1000 * i, RULE);
      expect([state.failures, lockedForMs(state, 1000 * i)]).toEqual([i, 0]);
    }
    state = afterFailure(state, 5000, RULE);
    expect(state).toEqual({ failures: 0, lockedUntilMs: 5000 + RULE.lockMs });
    expect(lockedForMs(state, 5000 + RULE.lockMs - 1)).toBe(1);
    expect(lockedForMs(state, 5000 + RULE.lockMs)).toBe(0);
    // After the lock: four more failures do not lock again, the fifth does.
    const after = 5000 + RULE.lockMs;
    for (let i = 1; i <= 4; i++) state = afterFailure(state, after + i, RULE);
    expect(lockedForMs(state, after + 4)).toBe(0);
    expect(lockedForMs(afterFailure(state, after + 5, RULE), after + 5)).toBe(RULE.lockMs);
  });
});
