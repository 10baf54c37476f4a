// Payloads the gateway and actuators exchange: commands, their acknowledgements, the retained
// site order and the device status (birth and last will). One schema each.

import { z } from 'zod';

/** What an actuator is told to do; only safe actions exist (re-opening a valve is manual, on site). */
export const ACTIONS = ['close', 'fan_on'] as const;
export type Action = (typeof ACTIONS)[number];

export const commandSchema = z.object({
  id: z.string().min(1).max(64),
  action: z.enum(ACTIONS),
  reason: z.string().max(500),
  ts: z.number().int(),
});
export type Command = z.infer<typeof commandSchema>;

/** An actuator's reported position: free text so new kinds of actuator need no contract change. */
export const positionSchema = z.string().min(1).max(64);

export const commandAckSchema = z.object({
  id: z.string().min(1).max(64),
  ok: z.boolean(),
  state: z.string().max(64),
  ts: z.union([z.number().int(), z.string().max(64)]),
  /** Optional read-back from the actuator's own position sensor (limit switch), e.g. 'closed'. */
  position: positionSchema.optional(),
});
export type CommandAck = z.infer<typeof commandAckSchema>;

export const statusSchema = z.object({
  state: z.enum(['online', 'offline']),
  ts: z.union([z.number().int(), z.string().max(64)]).optional(),
  /** An actuator's position as its sensor reads it ('open' | 'closed' for a valve, 'stopped' |
   * 'running' for a fan); the gateway reads it back after a stop-work command. */
  position: positionSchema.optional(),
});
export type DeviceStatus = z.infer<typeof statusSchema>;

/** The retained `{site}/order` message: what every device of the site must obey now. */
export const siteOrderSchema = z.object({
  state: z.enum(['active', 'lifted']),
  orderId: z.string(),
  reason: z.string(),
  issuedAt: z.number().int(),
  liftedAt: z.number().int().optional(),
});
export type SiteOrder = z.infer<typeof siteOrderSchema>;

/** Parses a JSON payload against a schema; a bad payload is a value, not a throw. */
export function parseJson<T>(schema: z.ZodType<T>, bytes: Uint8Array | string): { ok: true; value: T } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message.slice(0, 100)}` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  return { ok: true, value: parsed.data };
}
