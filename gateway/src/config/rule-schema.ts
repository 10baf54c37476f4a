// The rule contract: what a detection rule may say (threshold, rate of change, CO dose), checked
// with messages that name the field and the fix. Part of the config schema (schema.ts).

import { z } from 'zod';
import { ID_PATTERN } from '../contract/ids.js';
import { LEVELS } from '../contract/levels.js';
import { isaStartingPoints, QUANTITIES, type Quantity } from './quantities.js';

export const id = z.string().regex(ID_PATTERN, 'use 1–64 characters of A-Z a-z 0-9 _ -').refine(
  (s) => s !== '__proto__' && s !== 'constructor' && s !== 'prototype',
  'reserved name',
);

const setpoints = z
  .object({
    blue: z.number().optional(),
    yellow: z.number().optional(),
    orange: z.number().optional(),
    red: z.number().optional(),
  })
  .strict()
  .refine((s) => LEVELS.some((l) => s[l] !== undefined), 'give at least one of blue, yellow, orange, red');

/** Set points must move the way danger grows: up for `above` (and for every rate and dose), down for `below`. */
function checkLevelOrder(levels: z.infer<typeof setpoints>, direction: 'above' | 'below', ctx: z.RefinementCtx, why: string): void {
  let previous: { level: string; value: number } | undefined;
  for (const level of LEVELS) {
    const value = levels[level];
    if (value === undefined) continue;
    if (previous !== undefined && !(direction === 'above' ? value > previous.value : value < previous.value)) {
      ctx.addIssue({ code: 'custom', path: ['levels', level], message: `${level} (${value}) must be ${direction} ${previous.level} (${previous.value}) ${why}` });
    }
    previous = { level, value };
  }
}

/** Rate and dose levels are amounts that only grow with danger, and must be clearable. */
function checkPositiveLevels(rule: { levels: z.infer<typeof setpoints>; deadband: number }, ctx: z.RefinementCtx, unit: string): void {
  checkLevelOrder(rule.levels, 'above', ctx, `since a larger ${unit} is the higher level`);
  const lowest = LEVELS.map((l) => rule.levels[l]).find((v) => v !== undefined);
  for (const level of LEVELS) {
    const value = rule.levels[level];
    if (value !== undefined && !(value > 0)) ctx.addIssue({ code: 'custom', path: ['levels', level], message: `${level} must be a ${unit} above 0` });
  }
  if (lowest !== undefined && lowest > 0 && rule.deadband >= lowest) {
    ctx.addIssue({ code: 'custom', path: ['deadband'], message: `deadband (${rule.deadband}) must be below the lowest level (${lowest}), or the alarm could never clear` });
  }
}

/** Every kind ends with these (key order is the order `rules as code` writes them in). */
const ruleTail = {
  /** At red, issue a stop-work order (停产停工令) for the site. */
  stopWork: z.boolean().default(false),
  /** Detectors of the same space that must be at red before that order (GB 16808-2025 §5.5.1.8
   * voting); a detector in fault or silent does not vote. 1: any one detector stops work. */
  stopWorkVotes: z.number().int().min(1).max(8).default(1),
  /** Limit the rule to these sites; absent means every site. */
  sites: z.array(id).optional(),
};

/** The value itself against set points. A rule without `kind` is a threshold rule. */
export const thresholdRuleSchema = z
  .object({
    id,
    kind: z.literal('threshold').default('threshold'),
    quantity: z.enum(QUANTITIES),
    /** `above` raises as the value climbs (gas); `below` as it falls (oxygen deficiency). */
    direction: z.enum(['above', 'below']),
    levels: setpoints,
    /** How far back past a set point the value must go before its level clears (hysteresis). */
    deadband: z.number().nonnegative().default(0),
    /** Reading time a level must hold before it is raised; filters single spikes. */
    onDelayS: z.number().nonnegative().default(0),
    /** Consecutive readings a level must hold before it is raised (both delays must pass). */
    onDelaySamples: z.number().int().min(1).default(1),
    /** Reading time the value must stay past the deadband before a level drops (ISA-18.2 off-delay). */
    offDelayS: z.number().nonnegative().default(0),
    /** Consecutive readings past the deadband before a level drops (both delays must pass). */
    offDelaySamples: z.number().int().min(1).default(1),
    ...ruleTail,
  })
  .strict()
  .superRefine((rule, ctx) => checkLevelOrder(rule.levels, rule.direction, ctx, `for a rule that alarms ${rule.direction}`));

/** Rise or fall of the value within a sliding window of reading time (detect/rate.ts). */
export const rateRuleSchema = z
  .object({
    id,
    kind: z.literal('rate'),
    quantity: z.enum(QUANTITIES),
    direction: z.enum(['rise', 'fall']),
    windowS: z.number().positive(),
    /** Change, in the quantity's unit, within the window. */
    levels: setpoints,
    /** A level clears once the change is below its set point minus this. */
    deadband: z.number().nonnegative().default(0),
    /** Readings before the rule may raise; three is what makes one spike harmless (median of three). */
    minSamples: z.number().int().min(3, 'minSamples must be at least 3: the median of three readings keeps one spike from raising').default(3),
    ...ruleTail,
  })
  .strict()
  .superRefine((rule, ctx) => checkPositiveLevels(rule, ctx, 'change'));

/** Time-weighted CO exposure (detect/dose.ts); the defaults are the EN 50291-1 fit of presets/kitchen.ts. */
export const doseRuleSchema = z
  .object({
    id,
    kind: z.literal('dose'),
    quantity: z.literal('co_ppm', { error: 'a dose rule is fitted to carbon monoxide: use quantity: co_ppm' }),
    /** At or below this concentration no dose builds up, and the dose drains. */
    c0Ppm: z.number().nonnegative().default(20),
    exponent: z.number().min(1).max(4).default(1.5),
    /** A steady refPpm reaches one dose in refMin minutes. */
    refPpm: z.number().positive().default(50),
    refMin: z.number().positive().default(72),
    /** In doses: 1 is the alarm point. */
    levels: setpoints,
    deadband: z.number().nonnegative().default(0.1),
    /** One gap between readings counts at most this long, so a silence is not counted as exposure. */
    maxGapS: z.number().positive().default(300),
    ...ruleTail,
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (!(rule.refPpm > rule.c0Ppm)) ctx.addIssue({ code: 'custom', path: ['refPpm'], message: `refPpm (${rule.refPpm}) must be above c0Ppm (${rule.c0Ppm})` });
    checkPositiveLevels(rule, ctx, 'dose');
  });

const ruleUnion = z.discriminatedUnion('kind', [thresholdRuleSchema, rateRuleSchema, doseRuleSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'kind must be threshold, rate or dose (leave it out for threshold)' : undefined),
});

/**
 * Deadband and delays default per quantity to the ISA-18.2 starting points (level 5 % of
 * span and 60 s, temperature 1 % and 60 s; quantities.ts) unless the rule, or the preset it came
 * from, gives a number. Only the settings a threshold rule leaves out are filled in.
 */
function withIsaStartingPoints(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const rule = raw as Record<string, unknown>;
  if ((rule.kind !== undefined && rule.kind !== 'threshold') || !(QUANTITIES as readonly unknown[]).includes(rule.quantity)) return raw;
  if (rule.deadband !== undefined && rule.onDelayS !== undefined && rule.offDelayS !== undefined) return raw;
  const levels = rule.levels !== null && typeof rule.levels === 'object' ? Object.values(rule.levels).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)) : [];
  const start = isaStartingPoints(rule.quantity as Quantity, levels);
  if (start === undefined) return raw;
  return { ...rule, deadband: rule.deadband ?? start.deadband, onDelayS: rule.onDelayS ?? start.delayS, offDelayS: rule.offDelayS ?? start.delayS };
}

export const ruleSchema = z.preprocess(withIsaStartingPoints, ruleUnion);
export type ThresholdRule = z.infer<typeof thresholdRuleSchema>;
export type RateRule = z.infer<typeof rateRuleSchema>;
export type DoseRule = z.infer<typeof doseRuleSchema>;
export type Rule = z.infer<typeof ruleUnion>;
export type RuleInput = z.input<typeof ruleUnion>;
