// retryWhileBusy (gateway/src/store/busy-retry.ts): a transaction refused with SQLITE_BUSY runs
// again after growing pauses until it succeeds or the budget is spent; other errors are not retried.

import { describe, expect, it } from 'vitest';
import { isBusy, retryWhileBusy } from '../../../gateway/src/store/busy-retry.js';

function sqliteError(code: string): Error {
  return Object.assign(new Error('database is locked'), { code });
}

/** A clock that moves only when the retry sleeps, and the pauses it was asked for. */
function fakeTime(): { now: () => number; sleep: (ms: number) => void; pauses: number[] } {
  let t = 0;
  const pauses: number[] = [];
  return { now: () => t, sleep: (ms) => void (pauses.push(ms), (t += ms)), pauses };
}

describe('retryWhileBusy', () => {
  it('runs the work again after each BUSY and reports how many times', () => {
    const time = fakeTime();
    let calls = 0;
    const r = retryWhileBusy(() => {
      calls++;
      if (calls <= 3) throw sqliteError(calls === 2 ? 'SQLITE_BUSY_SNAPSHOT' : 'SQLITE_BUSY');
      return 'committed';
    }, { budgetMs: 5000, ...time });
    expect(r).toEqual({ value: 'committed', retries: 3 });
    expect(time.pauses).toEqual([2, 4, 8]);
  });

  it('gives up with the BUSY error once the budget is spent, pausing at most 100 ms at a time', () => {
    const time = fakeTime();
    const busy = sqliteError('SQLITE_BUSY');
    expect(() => retryWhileBusy(() => { throw busy; }, { budgetMs: 1000, ...time })).toThrow(busy);
    expect(Math.max(...time.pauses)).toBe(100);
    expect(time.now()).toBeGreaterThanOrEqual(1000);
    expect(time.now()).toBeLessThan(1100);
  });

  it('does not retry any other error', () => {
    const time = fakeTime();
    let calls = 0;
    const full = sqliteError('SQLITE_FULL');
    expect(() => retryWhileBusy(() => { calls++; throw full; }, { budgetMs: 1000, ...time })).toThrow(full);
    expect(calls).toBe(1);
    expect(time.pauses).toEqual([]);
  });

  it('knows BUSY by its code, extended codes included', () => {
    expect(['SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT'].map((c) => isBusy(sqliteError(c)))).toEqual([true, true, true, true]);
    expect([sqliteError('SQLITE_LOCKED'), new Error('x'), null, undefined, 'SQLITE_BUSY'].map(isBusy)).toEqual([false, false, false, false, false]);
  });
});
