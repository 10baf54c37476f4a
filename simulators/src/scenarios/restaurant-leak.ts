// A restaurant kitchen during a gas leak, as a pure room model: normal air, a methane leak that
// climbs past the 50 %LEL red level, and exponential decay once the shut-off valve is closed.
// Pure and seeded: the same seed and the same valve flags replay byte-identical readings.

import { createRng } from '../rng.js';

export interface LeakScenarioOptions {
  readonly seed: number;
  /** Time between readings; the room advances this much per step. */
  readonly intervalMs: number;
  /** Readings of normal air before the leak starts. */
  readonly normalSteps: number;
  /** How fast methane builds up while gas flows through the leak. */
  readonly leakRateLelPerS: number;
  /** Half-life of the excess gas once the valve is closed (ventilation, exhaust fan). */
  readonly decayHalfLifeS: number;
  /** CO from burners running rich near the leak; secondary here, so it rises gently. */
  readonly coRatePpmPerS: number;
  /** CO stops rising here; keep below 300 ppm unless a scenario wants CO alarms too. */
  readonly coCeilingPpm: number;
  /** Normal kitchen air: a detector near a stove reads a little methane and CO. */
  readonly baselineCh4Lel: number;
  readonly baselineCoPpm: number;
  /** Excess methane below which the room counts as back to normal after the leak was stopped. */
  readonly settledLel: number;
}

export type LeakPhase = 'normal' | 'leak' | 'decay';

export interface LeakReading {
  /** Methane, %LEL (0..100). */
  readonly ch4: number;
  /** Carbon monoxide, ppm (≥ 0). */
  readonly co: number;
  readonly phase: LeakPhase;
}

export interface LeakRoom {
  readonly options: LeakScenarioOptions;
  /** Advances the room by one interval; `valveClosed` is the shut-off valve's state now. */
  step(valveClosed: boolean): LeakReading;
  /** Readings taken so far. */
  readonly steps: number;
  /** True once the leak happened, the valve is closed and the gas is back to normal air. */
  readonly done: boolean;
}

// At the defaults the story fits in under a minute at 500 ms: 5 s of normal air, about 12 s of
// ramp to 50 %LEL, and from a 100 %LEL peak about 13 s back below 10 %LEL after the close.
export const DEFAULT_LEAK_OPTIONS: LeakScenarioOptions = Object.freeze({
  seed: 1,
  intervalMs: 500,
  normalSteps: 10,
  leakRateLelPerS: 4,
  decayHalfLifeS: 3.5,
  coRatePpmPerS: 2,
  coCeilingPpm: 150,
  baselineCh4Lel: 2,
  baselineCoPpm: 3.5,
  settledLel: 1,
});

const round2 = (x: number): number => Math.round(x * 100) / 100;
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

function checkOptions(o: LeakScenarioOptions): void {
  const positive: (keyof LeakScenarioOptions)[] = ['intervalMs', 'leakRateLelPerS', 'decayHalfLifeS', 'settledLel'];
  for (const key of positive) {
    if (!(o[key] > 0)) throw new RangeError(`restaurant-leak: ${key} must be > 0, got ${o[key]}`);
  }
  const nonNegative: (keyof LeakScenarioOptions)[] = ['normalSteps', 'coRatePpmPerS', 'coCeilingPpm', 'baselineCh4Lel', 'baselineCoPpm'];
  for (const key of nonNegative) {
    if (!(o[key] >= 0)) throw new RangeError(`restaurant-leak: ${key} must be ≥ 0, got ${o[key]}`);
  }
}

export function createLeakRoom(overrides: Partial<LeakScenarioOptions> = {}): LeakRoom {
  // An explicit `undefined` (an unset CLI flag) keeps the default rather than erasing it.
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const options: LeakScenarioOptions = Object.freeze({ ...DEFAULT_LEAK_OPTIONS, ...given });
  checkOptions(options);
  const rng = createRng(options.seed);
  const dtS = options.intervalMs / 1000;
  const decayFactor = 0.5 ** (dtS / options.decayHalfLifeS);

  let steps = 0;
  let excessCh4 = 0;
  let excessCo = 0;
  let leaked = false;
  let done = false;

  function step(valveClosed: boolean): LeakReading {
    // Always the same draws in the same order, whatever the phase, so a reading depends only on
    // the seed and the valve flags before it.
    const ch4Noise = clamp(rng.normal(0, 0.3), -1, 1);
    const coNoise = clamp(rng.normal(0, 0.5), -1.5, 1.5);
    const leakJitter = clamp(rng.normal(1, 0.1), 0.7, 1.3);

    let phase: LeakPhase;
    if (steps < options.normalSteps || (valveClosed && !leaked)) {
      // Before the leak, or the valve was shut before any gas escaped: nothing builds up.
      phase = 'normal';
    } else if (!valveClosed) {
      // The pipe stays broken: re-opening the valve by hand lets gas out again.
      phase = 'leak';
      leaked = true;
      excessCh4 = Math.min(100, excessCh4 + options.leakRateLelPerS * dtS * leakJitter);
      excessCo = Math.min(options.coCeilingPpm, excessCo + options.coRatePpmPerS * dtS * leakJitter);
    } else {
      excessCh4 *= decayFactor;
      excessCo *= decayFactor;
      phase = excessCh4 < options.settledLel ? 'normal' : 'decay';
    }
    done = leaked && valveClosed && excessCh4 < options.settledLel;
    steps++;

    return {
      ch4: round2(clamp(options.baselineCh4Lel + ch4Noise + excessCh4, 0, 100)),
      co: round2(Math.max(0, options.baselineCoPpm + coNoise + excessCo)),
      phase,
    };
  }

  return {
    options,
    step,
    get steps() {
      return steps;
    },
    get done() {
      return done;
    },
  };
}
