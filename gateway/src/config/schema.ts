// The configuration contract: one zod schema, the only source of config types. Defaults live
// here; the file is validated once at start (load.ts), then frozen and passed down.

import { z } from 'zod';
import { ID_PATTERN } from '../contract/ids.js';
import { DEADLETTER, DEFAULT_PREFIX, prefixProblem } from '../contract/topics.js';
import { LEVELS } from '../contract/levels.js';
import { QUANTITIES } from './quantities.js';
import { KITCHEN_RULES } from './presets/kitchen.js';

const id = z.string().regex(ID_PATTERN, 'use 1–64 characters of A-Z a-z 0-9 _ -').refine(
  (s) => s !== '__proto__' && s !== 'constructor' && s !== 'prototype',
  'reserved name',
);

/** Passwords are stored hashed (broker/src/auth.ts); `shaobing hash-password` makes one. */
const passwordHash = z
  .string()
  .regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'a hash from `shaobing hash-password`, not a plain password');

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

export const ruleSchema = z.discriminatedUnion('kind', [thresholdRuleSchema, rateRuleSchema, doseRuleSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'kind must be threshold, rate or dose (leave it out for threshold)' : undefined),
});
export type ThresholdRule = z.infer<typeof thresholdRuleSchema>;
export type RateRule = z.infer<typeof rateRuleSchema>;
export type DoseRule = z.infer<typeof doseRuleSchema>;
export type Rule = z.infer<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;

const channelSchema = z.object({ quantity: z.enum(QUANTITIES) }).strict();

export const deviceSchema = z
  .object({
    id,
    /** detector: reports readings; valve: gas shut-off valve (closes on a stop-work order); fan: exhaust fan (starts). */
    kind: z.enum(['detector', 'valve', 'fan']),
    passwordHash,
    channels: z.record(id, channelSchema).default({}),
    /** Silence after which the detector's channels raise `stale`. GB 16808 (secondary source) asks
     * a controller to signal a line fault within 100 s; detectors report every 10–30 s (DESIGN.md). */
    staleAfterS: z.number().positive().default(100),
    /** A dead gas detector in a kitchen is a hazard (issue 3): yellow by default. */
    staleLevel: z.enum(LEVELS).default('yellow'),
  })
  .strict()
  .superRefine((device, ctx) => {
    if ('_device' in device.channels) {
      ctx.addIssue({ code: 'custom', path: ['channels', '_device'], message: '_device is reserved for device-level alarms (offline, device fault): rename the channel' });
    }
    if (device.kind === 'detector' && Object.keys(device.channels).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['channels'], message: 'a detector needs at least one channel, e.g. { ch4: { quantity: methane_lel } }' });
    }
  });
export type DeviceConfig = z.infer<typeof deviceSchema>;

export const siteSchema = z
  .object({
    // makeTopics refuses this site id (it would collide with dead-letter topics): say so at load.
    id: id.refine((s) => s !== DEADLETTER, `${DEADLETTER} is reserved for dead-letter topics`),
    name: z.string().min(1).max(200),
    timezone: z.string().default('Asia/Shanghai'),
    devices: z.array(deviceSchema).min(1),
  })
  .strict()
  .superRefine((site, ctx) => {
    const seen = new Set<string>();
    site.devices.forEach((d, i) => {
      if (seen.has(d.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `device id ${d.id} appears twice in site ${site.id}` });
      seen.add(d.id);
    });
  });
export type SiteConfig = z.infer<typeof siteSchema>;

const brokerSchema = z
  .object({
    /** embedded: aedes in this process; external: Mosquitto, EMQX… reached at `url`. */
    mode: z.enum(['embedded', 'external']).default('embedded'),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(1883),
    url: z.string().url().optional(),
    clientId: z.string().min(1).max(64).default('shaobing-gateway'),
    username: z.string().optional(),
    password: z.string().optional(),
    /** Extra accounts of the embedded broker: `gateway` has every right (ops tools, a second gateway). */
    users: z.array(z.object({ username: z.string().min(1), passwordHash, role: z.literal('gateway') }).strict()).default([]),
    /** Seconds before aedes drops a subscriber that stopped reading (STACK.md: 10–60 s advised). */
    drainTimeoutS: z.number().positive().default(30),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.mode === 'external' && !b.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'external mode needs broker.url, e.g. mqtt://127.0.0.1:1883' });
  });

const storageSchema = z
  .object({
    dataDir: z.string().default('./data'),
    /** FULL survives power loss, NORMAL only a killed process (DESIGN.md, Taking a reading). */
    synchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
    commitIntervalMs: z.number().positive().max(1000).default(5),
    maxBatch: z.number().int().positive().default(5000),
    /** How often the time-series store takes what the journal committed. */
    drainIntervalMs: z.number().int().positive().default(200),
    /** Journal rows the store already holds are kept this long for replay, then pruned. */
    journalKeepS: z.number().nonnegative().default(600),
  })
  .strict();

const ingestSchema = z
  .object({
    maxFutureS: z.number().nonnegative().default(120),
    maxAgeS: z.number().nonnegative().default(7 * 86_400),
  })
  .strict();

const healthSchema = z
  .object({
    /** A gateway clock step forward larger than this is a clock fault, not a mass of silent sensors. */
    maxClockJumpS: z.number().positive().default(300),
    /** Level of a reading outside the quantity's physical range: such a detector cannot see a leak. */
    rangeFaultLevel: z.enum(LEVELS).default('orange'),
    /** In-range readings in a row before a range fault clears. */
    rangeClearReadings: z.number().int().positive().default(3),
    /** Level of device-reported fault codes (meta.fault). */
    deviceFaultLevel: z.enum(LEVELS).default('orange'),
    /** Hours a gas reading may stay exactly flat (away from its clean-air zero) before it counts as
     * stuck; no standard figure was found, so this is a per-site setting with a conservative default. */
    stuckGasAfterH: z.number().positive().default(6),
    stuckLevel: z.enum(LEVELS).default('yellow'),
  })
  .strict();

const ordersSchema = z
  .object({
    /** How long to wait for an actuator's cmd/ack before sending the command again. */
    ackTimeoutMs: z.number().int().positive().default(3000),
    maxAttempts: z.number().int().positive().default(5),
  })
  .strict();

const apiSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
  })
  .strict();

export const configSchema = z
  .object({
    // Checked here so a bad prefix stops at load with a path, not as a TypeError in makeTopics.
    topicPrefix: z
      .string()
      .default(DEFAULT_PREFIX)
      .refine((p) => prefixProblem(p) === null, 'each level must be non-empty, without + # or a leading $ (e.g. acme/shaobing)'),
    broker: brokerSchema.prefault({}),
    storage: storageSchema.prefault({}),
    ingest: ingestSchema.prefault({}),
    health: healthSchema.prefault({}),
    orders: ordersSchema.prefault({}),
    api: apiSchema.prefault({}),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).strict().prefault({}),
    sites: z.array(siteSchema).min(1),
    rules: z.array(ruleSchema).prefault(() => KITCHEN_RULES.map((r) => ({ ...r }))),
  })
  .strict()
  .superRefine((config, ctx) => {
    const sites = new Set<string>();
    config.sites.forEach((s, i) => {
      if (sites.has(s.id)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'id'], message: `site id ${s.id} appears twice` });
      sites.add(s.id);
    });
    const rules = new Set<string>();
    config.rules.forEach((r, i) => {
      if (rules.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `rule id ${r.id} appears twice` });
      rules.add(r.id);
      r.sites?.forEach((s, j) => {
        if (!sites.has(s)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'sites', j], message: `no site ${s} in sites` });
      });
    });
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.infer<typeof configSchema>;
