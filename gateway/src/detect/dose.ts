// Time-weighted CO exposure, so a CO alarm follows the concentration–time curve of
// EN 50291-1 (household CO alarms): steady 30 ppm no alarm within 120 min; 50 ppm alarm within
// 60–90 min; 100 ppm within 10–40 min; 300 ppm within 3 min.
//
// Model: a toxic-load accumulator with a drain (the ten Berge form C^n·t, applied to the excess
// over a no-effect level c0, as a CUSUM with a floor at 0):
//
//   dD/dt = sign(c − c0) · (|c − c0| / (refPpm − c0))^n / refMin        [doses per minute]
//
// so a steady refPpm reaches one dose in refMin minutes, a steady c reaches it in
// refMin · ((refPpm − c0)/(c − c0))^n, and below c0 the dose drains by the same law. Levels are
// in doses: 1 is the EN 50291-1 alarm point. Why not a first-order COHb (Coburn–Forster–Kane)
// model: with an adult's uptake time constant of hours, 300 ppm reaches the COHb that 50 ppm
// reaches in 60–90 min only after about 10 min, not within 3; fitting all four points needs a
// 16-min time constant and an equilibrium threshold at 49 ppm, which is no longer physiology.
// EN 50291-1's curve is steeper than COHb uptake at high concentrations; a load with n > 1 fits.
// The constants are in presets/kitchen.ts with the fit beside them.
//
// Readings are integrated with the trapezoid rule over the actual reading-time deltas; a single
// gap counts at most maxGapS, so a long silence is not counted as exposure (or as recovery).

import { levelRank, type Level } from '../contract/levels.js';
import type { DoseRule } from '../config/schema.js';
import { accepts, advanceLatch, doubles, initLatch, LAST_TS, LAST_VALUE, LATCH_SIZE, LEVEL, packLatch, setPoints, toMs, unpackLatch, stepPacked, type LatchSpec, type LatchState, type Packed, type PackedKind, type RuleStep } from './threshold.js';

const DOSE = LATCH_SIZE; // packed layout: the accumulated dose follows the latch (threshold.ts)
export const DOSE_SIZE = LATCH_SIZE + 1;

export interface DoseSpec {
  readonly latch: LatchSpec;
  readonly c0Ppm: number;
  /** refPpm − c0Ppm: the excess that accumulates one dose per refMin. */
  readonly spanPpm: number;
  readonly exponent: number;
  readonly perMin: number;
  readonly maxGapMs: number;
}

export interface DoseState extends LatchState {
  readonly kind: 'dose';
  /** Accumulated dose, in doses (1 = the alarm point); never negative. */
  dose: number;
}

export type DoseStep = RuleStep<DoseState>;

export function compileDose(rule: DoseRule): DoseSpec {
  return {
    latch: { above: true, sp: setPoints(rule.levels), deadband: rule.deadband, onDelayMs: 0, onDelaySamples: 1, offDelayMs: 0, offDelaySamples: 1 },
    c0Ppm: rule.c0Ppm,
    spanPpm: rule.refPpm - rule.c0Ppm,
    exponent: rule.exponent,
    perMin: 1 / rule.refMin,
    maxGapMs: toMs(rule.maxGapS),
  };
}

export function initDose(v: Packed, o: number): void {
  initLatch(v, o);
  v[o + DOSE] = 0;
}

export function packDose(s: DoseState, v: Packed, o: number): void {
  packLatch(s, v, o);
  v[o + DOSE] = s.dose;
}

export const unpackDose = (v: Packed, o: number): DoseState => ({ kind: 'dose', ...unpackLatch(v, o), dose: v[o + DOSE]! });

export function initialDoseState(): DoseState {
  const v = doubles(DOSE_SIZE);
  initDose(v, 0);
  return unpackDose(v, 0);
}

/** Doses per minute at concentration `ppm`; negative below c0 (the dose drains). */
export function doseRatePerMin(ppm: number, spec: DoseSpec): number {
  const excess = ppm - spec.c0Ppm;
  const x = Math.abs(excess) / spec.spanPpm;
  // x·√x is the preset's n = 1.5 at a fraction of Math.pow's cost; the same number to the last bit or two.
  const r = (spec.exponent === 1.5 ? x * Math.sqrt(x) : Math.pow(x, spec.exponent)) * spec.perMin;
  return excess < 0 ? -r : r;
}

/** Minutes a steady `ppm` takes from no dose to `doses`; Infinity when it never gets there. */
export function minutesToDose(ppm: number, spec: DoseSpec, doses = 1): number {
  const r = doseRatePerMin(ppm, spec);
  return r > 0 ? doses / r : Infinity;
}

/** Advances the packed state at `o` IN PLACE; returns true when its level changed (the engine's path). */
export function advanceDose(v: Packed, o: number, value: number, tsMs: number, spec: DoseSpec): boolean {
  if (!accepts(v, o, value, tsMs)) return false;
  const lastTs = v[o + LAST_TS]!;
  const last = v[o + LAST_VALUE]!;
  let dose = v[o + DOSE]!;
  // Clean air with nothing to drain, the usual case, needs no arithmetic.
  if (lastTs !== -Infinity && !(dose === 0 && last <= spec.c0Ppm && value <= spec.c0Ppm)) {
    const gapMs = tsMs - lastTs;
    const dtMin = (gapMs < spec.maxGapMs ? gapMs : spec.maxGapMs) / 60_000;
    dose += ((doseRatePerMin(last, spec) + doseRatePerMin(value, spec)) / 2) * dtMin;
    if (!(dose > 0)) dose = 0;
    v[o + DOSE] = dose;
  }
  v[o + LAST_TS] = tsMs;
  v[o + LAST_VALUE] = value;
  return advanceLatch(v, o, dose, tsMs, spec.latch);
}

/** The accumulated dose at the latest reading, in doses (1 = the EN 50291-1 alarm point). */
export function doseOf(v: Packed, o: number): number {
  return v[o + DOSE]!;
}

/**
 * Sets a restored level and at least the dose that level stands for, so an exposure alarm open
 * at a restart drains away as it would have, instead of clearing on the first clean reading.
 */
export function restoreDose(v: Packed, o: number, level: Level, spec: DoseSpec): void {
  v[o + LEVEL] = levelRank(level);
  let sp = NaN; // the set point of that level, or of the highest configured one below it
  for (let r = levelRank(level); r >= 0 && sp !== sp; r--) sp = spec.latch.sp[r]!;
  if (sp === sp && v[o + DOSE]! < sp) v[o + DOSE] = sp;
}

const DOSE_KIND: PackedKind<DoseState, DoseSpec> = { size: DOSE_SIZE, pack: packDose, unpack: unpackDose, advance: advanceDose };

/** One reading through one dose rule; returns a new state and leaves `state` untouched. */
export function stepDose(state: DoseState, value: number, tsMs: number, rule: DoseRule): DoseStep {
  return stepPacked(DOSE_KIND, state, value, tsMs, compileDose(rule));
}
