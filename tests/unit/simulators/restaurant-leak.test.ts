import { describe, expect, it } from 'vitest';
import { createLeakRoom, DEFAULT_LEAK_OPTIONS, type LeakReading } from '../../../simulators/src/scenarios/restaurant-leak.js';

/** Runs the room with the valve closing at `closeAt` (a step index), or never. */
function run(seed: number, steps: number, closeAt = Infinity): LeakReading[] {
  const room = createLeakRoom({ seed });
  return Array.from({ length: steps }, (_, i) => room.step(i >= closeAt));
}

const firstIndex = (readings: LeakReading[], pred: (r: LeakReading) => boolean): number => readings.findIndex(pred);

describe('restaurant-leak room', () => {
  it('replays byte-identical readings from the same seed and valve flags', () => {
    expect(JSON.stringify(run(7, 120, 40))).toBe(JSON.stringify(run(7, 120, 40)));
  });

  it('gives different readings for a different seed', () => {
    expect(JSON.stringify(run(7, 30))).not.toBe(JSON.stringify(run(8, 30)));
  });

  it('reads normal kitchen air before the leak', () => {
    const normal = run(1, DEFAULT_LEAK_OPTIONS.normalSteps);
    for (const r of normal) {
      expect(r.phase).toBe('normal');
      expect(r.ch4).toBeGreaterThanOrEqual(1);
      expect(r.ch4).toBeLessThanOrEqual(3);
      expect(r.co).toBeGreaterThanOrEqual(2);
      expect(r.co).toBeLessThanOrEqual(5);
    }
  });

  it('climbs past 50 %LEL within the expected number of steps once the leak starts', () => {
    const { normalSteps, leakRateLelPerS, intervalMs, baselineCh4Lel } = DEFAULT_LEAK_OPTIONS;
    // ±30 % jitter on the leak rate and ±1 %LEL of noise around the nominal ramp.
    const nominal = normalSteps + (50 - baselineCh4Lel) / (leakRateLelPerS * (intervalMs / 1000));
    for (const seed of [1, 2, 3, 99, 12345]) {
      const readings = run(seed, 100);
      expect(readings[normalSteps]!.phase).toBe('leak');
      const crossed = firstIndex(readings, (r) => r.ch4 > 50);
      expect(crossed).toBeGreaterThan(nominal * 0.8);
      expect(crossed).toBeLessThan(nominal * 1.2);
      // The whole story must fit a short demo: red within 20 s at the default 500 ms.
      expect(crossed * intervalMs).toBeLessThan(20_000);
    }
  });

  it('raises CO moderately and never above its ceiling', () => {
    const readings = run(5, 200);
    const peakCo = Math.max(...readings.map((r) => r.co));
    expect(peakCo).toBeGreaterThan(20);
    expect(peakCo).toBeLessThanOrEqual(DEFAULT_LEAK_OPTIONS.coCeilingPpm + DEFAULT_LEAK_OPTIONS.baselineCoPpm + 1.5);
    expect(peakCo).toBeLessThan(300);
  });

  it('decays below 10 %LEL within 20 s of the valve closing, even from the 100 %LEL ceiling', () => {
    const closeAt = 150; // long after the ramp saturated
    const readings = run(11, 400, closeAt);
    expect(readings[closeAt - 1]!.ch4).toBeGreaterThan(97);
    expect(readings[closeAt]!.phase).toBe('decay');
    const below = firstIndex(readings.slice(closeAt), (r) => r.ch4 < 10);
    expect(below).toBeGreaterThan(0);
    expect(below * DEFAULT_LEAK_OPTIONS.intervalMs).toBeLessThanOrEqual(20_000);
    // Exponential, so it keeps falling rather than stepping down.
    const decay = readings.slice(closeAt, closeAt + below);
    decay.slice(1).forEach((r, i) => expect(r.ch4).toBeLessThan(decay[i]!.ch4 + 2));
  });

  it('ends back in normal air after the close and says it is done', () => {
    const room = createLeakRoom({ seed: 4 });
    let i = 0;
    let last: LeakReading | undefined;
    while (!room.done && i < 500) last = room.step(i++ >= 40);
    expect(room.done).toBe(true);
    expect(last!.phase).toBe('normal');
    expect(last!.ch4).toBeLessThan(5);
    // At the defaults the whole story fits in under a minute.
    expect(room.steps * DEFAULT_LEAK_OPTIONS.intervalMs).toBeLessThan(60_000);
  });

  it('leaks again if the valve is re-opened by hand, since the pipe is still broken', () => {
    const room = createLeakRoom({ seed: 4 });
    const phases = Array.from({ length: 120 }, (_, i) => room.step(i >= 40 && i < 100).phase);
    expect(phases[99]).toBe('normal');
    expect(phases[100]).toBe('leak');
    expect(room.done).toBe(false);
  });

  it('never leaks when the valve was shut before the leak began', () => {
    const readings = run(2, 80, 0);
    expect(readings.every((r) => r.phase === 'normal' && r.ch4 <= 3)).toBe(true);
  });

  it('never reads negative or above 100 %LEL, always with at most 2 decimals', () => {
    const noisy = createLeakRoom({ seed: 9, baselineCh4Lel: 0, baselineCoPpm: 0, leakRateLelPerS: 50 });
    for (let i = 0; i < 300; i++) {
      const r = noisy.step(i % 97 > 60);
      expect(r.ch4).toBeGreaterThanOrEqual(0);
      expect(r.ch4).toBeLessThanOrEqual(100);
      expect(r.co).toBeGreaterThanOrEqual(0);
      expect(Math.round(r.ch4 * 100) / 100).toBe(r.ch4);
      expect(Math.round(r.co * 100) / 100).toBe(r.co);
    }
  });

  it('refuses nonsense options', () => {
    expect(() => createLeakRoom({ intervalMs: 0 })).toThrow(RangeError);
    expect(() => createLeakRoom({ decayHalfLifeS: -1 })).toThrow(/decayHalfLifeS/);
  });
});
