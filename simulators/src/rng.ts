// A seeded pseudo-random generator (mulberry32): simulators replay the same readings from the
// same seed, so a test can assert on exactly what a simulator publishes.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Gaussian with the given mean and standard deviation (Box–Muller, two draws per call). */
  normal(mean: number, sd: number): number;
}

export function createRng(seed: number): Rng {
  // Any number seeds it; >>> 0 folds it into the 32-bit state mulberry32 works on.
  let state = Math.trunc(seed) >>> 0;

  // mulberry32 by Tommy Ettinger (public domain): small, fast, and good enough for noise.
  function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  function normal(mean: number, sd: number): number {
    // 1 - next() is in (0, 1], so the logarithm is finite. No cached second value: every call
    // costs exactly two draws, which keeps replays simple to reason about.
    const u1 = 1 - next();
    const u2 = next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  return { next, normal };
}
