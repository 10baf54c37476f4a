// Zod schemas shared by the routes: they validate requests through the type provider and
// describe answers in the OpenAPI document. Domain objects are loose (extra fields pass), so
// fields that other modules add (shelving, order steps) reach the page without an API change.

import { z } from 'zod';
import { ID_PATTERN } from '../../gateway/src/contract/ids.js';
import { LEVELS } from '../../gateway/src/contract/levels.js';
import { ALARM_KINDS } from '../../gateway/src/contract/alarm-kind.js';
import { ROLES } from './token-store.js';

export const idParam = (name: string) => z.string().regex(ID_PATTERN, `${name} must be an id of A-Z a-z 0-9 _ -`);
export const level = z.enum(LEVELS);
export const role = z.enum(ROLES);
export const alarmState = z.enum(['active_unacked', 'active_acked', 'cleared_unacked', 'cleared', 'closed']);

/** One alarm state, or several separated by commas (`cleared_unacked,cleared`: the page's cleared section). */
export const alarmStates = z.string().transform((v, c) => {
  const states = v.split(',');
  for (const st of states) {
    if (!alarmState.safeParse(st).success) {
      c.addIssue({ code: 'custom', message: `${st} is not one of ${alarmState.options.join(', ')}` });
      return z.NEVER;
    }
  }
  return states;
});

/** Epoch milliseconds in a query string. */
export const msQuery = z.coerce.number().int().min(0);
export const limitQuery = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);

/** A note an officer writes: blank is no note. */
export const note = z.string().trim().min(1, 'must not be blank').max(2000);

export const errorBody = z
  .object({
    statusCode: z.number().int(),
    error: z.string(),
    message: z.string(),
    /** A refused lift: each requirement still unmet (rectification, inspection, alarms_cleared, gas_test, note, actor). */
    missing: z.array(z.string()).optional(),
    /** A lift refused for blind detectors: which ones and why (offline, stale, fault). */
    blind: z.array(z.object({ device: z.string(), channel: z.string(), why: z.string() })).optional(),
  })
  .describe('Error');

/** One language of an alarm's text (contract/alarm-text.ts): what happened, and the value and
 * peak with their own unit, null where no number means anything (a device offline). */
const alarmTextSchema = z.object({ cause: z.string(), value: z.string().nullable(), peak: z.string().nullable() });

export const alarmSchema = z
  .looseObject({
    id: z.string(),
    site: z.string(),
    device: z.string(),
    channel: z.string(),
    quantity: z.string(),
    ruleId: z.string(),
    /** What the alarm is (contract/alarm-kind.ts): it decides what value means. */
    kind: z.enum(ALARM_KINDS),
    text: z.object({ zh: alarmTextSchema, en: alarmTextSchema }),
    level,
    peakLevel: level,
    value: z.number(),
    peakValue: z.number(),
    state: alarmState,
    raisedAtMs: z.number(),
    updatedAtMs: z.number(),
    clearedAtMs: z.number().nullable(),
    ackedAtMs: z.number().nullable(),
    ackedBy: z.string().nullable(),
    closedAtMs: z.number().nullable(),
    closedBy: z.string().nullable(),
    closeNote: z.string().nullable(),
    /** A rate alarm's rule window (s) and its speed now and at its peak, per second in the
     * quantity's unit, negative for a fall (text.value says it as m/h or %LEL/min); null otherwise. */
    rateWindowS: z.number().nullable().optional(),
    ratePerS: z.number().nullable().optional(),
    peakRatePerS: z.number().nullable().optional(),
  })
  .describe('Alarm');

export const alarmEventSchema = z
  .looseObject({
    alarmId: z.string(),
    kind: z.string(),
    fromLevel: level.nullable(),
    toLevel: level.nullable(),
    state: alarmState,
    value: z.number().nullable(),
    atMs: z.number(),
    actor: z.string().nullable(),
    note: z.string().nullable(),
  })
  .describe('AlarmEvent');

export const orderSchema = z
  .looseObject({
    id: z.string(),
    site: z.string(),
    state: z.string(),
    reason: z.string(),
    alarmId: z.string(),
    issuedAtMs: z.number(),
    liftedAtMs: z.number().nullable(),
    liftedBy: z.string().nullable(),
    liftNote: z.string().nullable(),
    /** The manual gas test the lift relied on while a detector was blind; null when the detectors could see. */
    manualGasTest: z.object({ by: z.string(), instrument: z.string(), reading: z.number(), unit: z.string(), atMs: z.number() }).nullable().optional(),
    commands: z.array(z.looseObject({ id: z.string(), device: z.string(), action: z.string(), state: z.string(), attempts: z.number() })),
  })
  .describe('StopWorkOrder');

/** Answers with the usual refusals documented beside the success body. */
export function answers<T extends Record<number, z.ZodType>>(ok: T, ...codes: number[]): T & Record<number, z.ZodType> {
  const out: Record<number, z.ZodType> = { ...ok };
  for (const code of [401, ...codes]) out[code] = errorBody;
  return out as T & Record<number, z.ZodType>;
}
