// The chattering guard (ISA-18.2: 3 alarms from one source within 1 minute): when a source is
// flagged, and when it is stable again.

import { describe, expect, it } from 'vitest';
import { ChatterGuard } from '../../../gateway/src/alarms/chattering.js';

const policy = { raises: 3, windowMs: 60_000, stableMs: 60_000 };

describe('chattering guard', () => {
  it('flags the third raise within the window, not the second', () => {
    const g = new ChatterGuard(policy);
    expect(g.noteRaise('s', 0)).toBe(false);
    expect(g.noteRaise('s', 20_000)).toBe(false);
    expect(g.noteRaise('s', 59_999)).toBe(true);
  });

  it('does not flag raises spread wider than the window', () => {
    const g = new ChatterGuard(policy);
    g.noteRaise('s', 0);
    g.noteRaise('s', 30_000);
    expect(g.noteRaise('s', 60_000)).toBe(false); // the first one left the window
    expect(g.isFlagged('s')).toBe(false);
  });

  it('keeps a source flagged while it moves and releases it after the quiet time', () => {
    const g = new ChatterGuard(policy);
    for (const t of [0, 1000, 2000]) g.noteRaise('s', t);
    g.noteChange('s', 30_000);
    expect(g.stable(89_999)).toEqual([]);
    expect(g.stable(90_000)).toEqual(['s']);
    expect(g.isFlagged('s')).toBe(false);
  });

  it('keeps sources apart', () => {
    const g = new ChatterGuard(policy);
    for (const t of [0, 1000, 2000]) g.noteRaise('a', t);
    expect(g.noteRaise('b', 2500)).toBe(false);
  });
});
