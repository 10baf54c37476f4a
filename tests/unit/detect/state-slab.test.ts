// StateSlab: fixed-size slots of shared Float64Arrays that never overlap and are reused once released.

import { describe, it, expect } from 'vitest';
import { StateSlab } from '../../../gateway/src/detect/state-slab.js';

describe('StateSlab', () => {
  it('hands out slots that never overlap, across as many slabs as it takes', () => {
    const slots = new StateSlab(3);
    const taken = Array.from({ length: 3000 }, (_, i) => {
      const s = slots.take();
      s.slab.fill(i, s.base, s.base + 3);
      return s;
    });
    taken.forEach((s, i) => expect(Array.from(s.slab.subarray(s.base, s.base + 3))).toEqual([i, i, i]));
    const slabs = new Set(taken.map((s) => s.slab));
    // 4 + 8 + … + 512 slots, then slabs of 1024: small engines stay small, big ones do not copy.
    expect(Math.max(...[...slabs].map((a) => a.length / 3))).toBe(1024);
    expect(Math.min(...[...slabs].map((a) => a.length / 3))).toBe(4);
    expect(taken.every((s) => s.base % 3 === 0 && s.base + 3 <= s.slab.length)).toBe(true);
  });

  it('hands a released slot out again before growing', () => {
    const slots = new StateSlab(5);
    const a = slots.take();
    const b = slots.take();
    slots.release(a.slab, a.base);
    const c = slots.take();
    expect([c.slab, c.base]).toEqual([a.slab, a.base]);
    expect(c.base).not.toBe(b.base);
  });
});
