// The configuration contract: one zod schema, the only source of config types. Defaults live
// here; the file is validated once at start (load.ts), then frozen and passed down.

import { z } from 'zod';
import { proxyEntryProblem } from './proxy-entry.js';
import { DEADLETTER, DEFAULT_PREFIX, prefixProblem } from '../contract/topics.js';
import { LEVELS } from '../contract/levels.js';
import { QUANTITIES } from './quantities.js';
import { shareChannels } from './share-channels.js';
import { KITCHEN_RULES } from './presets/kitchen.js';
import { PRESET_NAMES } from './presets/index.js';
import { id, ruleSchema } from './rule-schema.js';
import { SYSTEM_SITE } from '../contract/alarm-kind.js';
import { SITE_DEVICE } from '../contract/ids.js';
import { notifySchema } from './notify-schema.js';
import { brokerSchema, passwordHash } from './broker-schema.js';
import { organisationSchema, regionSchema } from './region-schema.js';
import { parseScope } from '../contract/scope-text.js';

export type { BrokerTlsConfig } from './broker-schema.js';
export { organisationSchema, regionSchema, type OrganisationConfig, type RegionConfig } from './region-schema.js';

// Rule schemas live in rule-schema.ts; re-exported so that config types come from one place.
export * from './rule-schema.js';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

const channelSchema = z.object({ quantity: z.enum(QUANTITIES) }).strict();

export const deviceSchema = z
  .object({
    id: id.refine((d) => d !== SITE_DEVICE, `${SITE_DEVICE} is reserved for a site's consolidated flood alarm`),
    /** detector: reports readings; valve: gas shut-off valve (closes on a stop-work order); fan: exhaust fan (starts). */
    kind: z.enum(['detector', 'valve', 'fan']),
    /** static: a fixed password checked against `passwordHash` (a captured one can be replayed);
     * signed: a one-time signed password checked with `loginKey` (broker/src/signed-login.ts). */
    auth: z.enum(['static', 'signed']).default('static'),
    passwordHash: passwordHash.optional(),
    /** Key derived from the device's secret (signed-login.ts deriveLoginKey), never the secret itself. */
    loginKey: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits from deriveLoginKey (broker/src/signed-login.ts), not the device secret').optional(),
    // One frozen object per channel profile, shared by its devices (share-channels.ts).
    channels: z.record(id, channelSchema).default({}).transform(shareChannels),
    /** The room or space the detector watches; voting counts the detectors of one space. Absent:
     * the whole site is one space. */
    space: id.optional(),
    /** Silence after which the detector's channels raise `stale`. GB 16808 (secondary source) asks
     * a controller to signal a line fault within 100 s; detectors report every 10–30 s. */
    staleAfterS: z.number().positive().default(100),
    /** A dead gas detector in a kitchen is a hazard: yellow by default. */
    staleLevel: z.enum(LEVELS).default('yellow'),
    /** Day the device was installed (YYYY-MM-DD). */
    installedOn: isoDate.optional(),
    /** Day it is due for replacement (YYYY-MM-DD). CJJ/T 146-2011 (城镇燃气报警控制系统技术规程):
     * gas detectors 3 years in commercial kitchens, 5 in homes; shut-off valves 10 years. */
    replaceBy: isoDate.optional(),
    /** Actuators: the sites whose stop-work orders it obeys besides its own (a building's main
     * valve shared by several kitchens). */
    obeys: z.array(id).optional(),
  })
  .strict()
  .superRefine((device, ctx) => {
    if (device.auth === 'static' && device.passwordHash === undefined) ctx.addIssue({ code: 'custom', path: ['passwordHash'], message: 'a static-password device needs passwordHash (or auth: signed with a loginKey)' });
    if (device.auth === 'signed' && device.loginKey === undefined) ctx.addIssue({ code: 'custom', path: ['loginKey'], message: 'auth: signed needs loginKey' });
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
    id: id
      .refine((s) => s !== DEADLETTER, `${DEADLETTER} is reserved for dead-letter topics`)
      .refine((s) => s !== SYSTEM_SITE, `${SYSTEM_SITE} is reserved for the gateway's own alarms (contract/alarm-kind.ts)`),
    name: z.string().min(1).max(200),
    /** Where responders go, shown on the alarm's page (e.g. 城关镇解放路 12 号 老王烧烤 后厨). */
    address: z.string().min(1).max(500).optional(),
    /** Who to call on site (name and phone), shown on the alarm's page. */
    contact: z.string().min(1).max(200).optional(),
    /** Phone of the contact person (their name is in `contact`). */
    contactPhone: z.string().min(1).max(50).optional(),
    /** WGS-84 coordinates, for the map and the responders' navigation. */
    location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).strict().optional(),
    /** The region (regions[].id) the site belongs to: scopes, rosters and reports follow it. */
    region: id.optional(),
    /** The organisation (organisations[].id) that supplies and serves the site, e.g. the gas company. */
    org: id.optional(),
    timezone: z.string().default('Asia/Shanghai'),
    /** May be empty while a site is being provisioned: its devices come by import or one at a time. */
    devices: z.array(deviceSchema),
    /** The site type's rules (config/presets/, each number with its source) instead of the global ones. */
    preset: z.enum(PRESET_NAMES).optional(),
    /** The site's characteristic water levels, for preset `reservoir`. */
    reservoirLevels: z
      .object({ floodLimitM: z.number(), warningM: z.number(), guaranteedM: z.number(), historicalMaxM: z.number(), approachM: z.number().positive().optional() })
      .strict()
      .optional(),
    /** Changes to the preset's rules by rule id: `{ id: valve-well-methane, levels: { red: 40 } }`. */
    ruleOverrides: z.array(z.looseObject({ id: z.string() })).optional(),
  })
  .strict()
  .superRefine((site, ctx) => {
    if (site.preset === 'reservoir' && !site.reservoirLevels) {
      ctx.addIssue({ code: 'custom', path: ['reservoirLevels'], message: 'preset reservoir needs reservoirLevels: { floodLimitM, warningM, guaranteedM, historicalMaxM }' });
    }
    if (site.ruleOverrides && !site.preset) ctx.addIssue({ code: 'custom', path: ['ruleOverrides'], message: 'ruleOverrides change a preset: choose one with `preset:`' });
    const seen = new Set<string>();
    site.devices.forEach((d, i) => {
      if (seen.has(d.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `device id ${d.id} appears twice in site ${site.id}` });
      seen.add(d.id);
    });
  });
export type SiteConfig = z.infer<typeof siteSchema>;

const influxSchema = z
  .object({
    url: z.string().url(),
    /** v1: InfluxDB 1.x `/write` (database, username/password); v2: `/api/v2/write` (token, org, bucket). */
    api: z.enum(['v1', 'v2']).default('v1'),
    database: z.string().min(1).optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    token: z.string().min(1).optional(),
    org: z.string().min(1).optional(),
    bucket: z.string().min(1).optional(),
    /** Journal rows per write (one row is one point per channel); InfluxDB advises ~5 000 lines. */
    batchRows: z.number().int().positive().max(100_000).default(5000),
    /** How long a part-filled batch waits for more rows before it is sent anyway. */
    lingerMs: z.number().int().nonnegative().default(1000),
    retry: z
      .object({ minMs: z.number().int().positive().default(500), maxMs: z.number().int().positive().default(60_000) })
      .strict()
      .prefault({}),
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.api === 'v1' && !c.database) ctx.addIssue({ code: 'custom', path: ['database'], message: 'api v1 needs database, e.g. database: shaobing' });
    if (c.api === 'v1' && c.password !== undefined && c.username === undefined) ctx.addIssue({ code: 'custom', path: ['username'], message: 'a password needs a username' });
    if (c.api === 'v2') {
      for (const key of ['token', 'org', 'bucket'] as const) {
        if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: `api v2 needs ${key} (token, org and bucket, as set by DOCKER_INFLUXDB_INIT_*)` });
      }
    }
    if (c.retry.minMs > c.retry.maxMs) ctx.addIssue({ code: 'custom', path: ['retry', 'minMs'], message: 'retry.minMs must not exceed retry.maxMs' });
  });
export type InfluxConfig = z.infer<typeof influxSchema>;

const storageSchema = z
  .object({
    dataDir: z.string().default('./data'),
    /** FULL survives power loss, NORMAL only a killed process (docs/architecture.md, the
     * acknowledgement contract). */
    synchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
    commitIntervalMs: z.number().positive().max(1000).default(5),
    maxBatch: z.number().int().positive().default(5000),
    /** How often the time-series store takes what the journal committed. */
    drainIntervalMs: z.number().int().positive().default(200),
    /** Journal rows the store already holds are kept this long for replay, then pruned. */
    journalKeepS: z.number().nonnegative().default(600),
    /** Embedded store: raw samples are kept this many days... */
    retentionDays: z.number().positive().default(30),
    /** ...and their one-minute aggregates this many (mean/min/max/last stay answerable). */
    aggregateRetentionDays: z.number().positive().default(400),
    /** InfluxDB sink: unshipped journal rows kept at most; past it the oldest are skipped (keep the
     * newest), counted and raised to admins. Rows, not bytes: the depth is max(id) − cursor at no
     * cost, and a row is bounded (16 KiB message; 88 B measured for two channels and a small meta,
     * bench/results/sink.json), so 10 M rows ≈ 0.9 GB of disk — an hour's outage at ~2 800 msg/s. */
    spoolMaxRows: z.number().int().positive().default(10_000_000),
    /** Time series in InfluxDB instead of the embedded SQLite store (README.md, InfluxDB). */
    influx: influxSchema.optional(),
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

const alarmsSchema = z
  .object({
    /** ISA-18.2 / EEMUA 191: 3 or more alarms from one source within 1 minute is chattering. */
    chatterRaises: z.number().int().min(2).default(3),
    chatterWindowS: z.number().positive().default(60),
    /** A chattering source is held in alarm until it has been quiet this long. */
    chatterStableS: z.number().positive().default(60),
    /** ISA-18.2 / EEMUA 191: an alarm active longer than 24 h is stale (flagged, not cleared). */
    staleAlarmH: z.number().positive().default(24),
    /** Longest shelf. ISA-18.2 asks that shelving be time-limited; 8 h is one shift, so a shelf
     * never outlives the officer who set it and the next shift does not inherit it unknowingly. */
    shelveMaxH: z.number().positive().max(24).default(8),
    /** Longest spell out of service for maintenance (no standard figure: a weekend's visit). */
    outOfServiceMaxH: z.number().positive().default(72),
    /** ISA-18.2 / EEMUA 191 flood: more than 10 alarms in 10 minutes for one operator. */
    floodAlarms: z.number().int().positive().default(10),
    floodWindowMin: z.number().positive().default(10),
  })
  .strict();

const ordersSchema = z
  .object({
    /** How long to wait for an actuator's cmd/ack before sending the command again. */
    ackTimeoutMs: z.number().int().positive().default(3000),
    maxAttempts: z.number().int().positive().default(5),
  })
  .strict();

const apiLimit = (max: number, windowS: number) =>
  z.object({ max: z.number().int().positive().default(max), windowS: z.number().positive().default(windowS) }).strict().prefault({});

/** A scope as written: all, region:ID[,region:ID…], org:ID or site:ID (contract/scope-text.ts). */
const scopeTextSchema = z.string().transform((text, ctx) => {
  const parsed = parseScope(text);
  if (parsed.ok) return parsed.scope;
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});

export const apiSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Where people reach the page (printed, used in links); absent: http://host:port. */
    publicUrl: z.string().url().optional(),
    /** Browser origins allowed to call the API from another page; empty: CORS off (same origin only). */
    corsOrigins: z.array(z.string().url()).default([]),
    /** Requests per client (token, else address) and window. */
    rateLimit: apiLimit(600, 60),
    /** Failed authentications (missing, unknown or revoked token) per address and window before
     * that address's failing requests get 429; a valid token is always served. */
    authFailureLimit: apiLimit(20, 60),
    /** Reverse proxies (addresses or CIDR ranges, e.g. 127.0.0.1, 10.0.0.0/8) whose
     * X-Forwarded-For names the client; from anyone else the header is ignored. Empty: none. */
    trustedProxies: z
      .array(z.string().superRefine((entry, ctx) => {
        const problem = proxyEntryProblem(entry);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }))
      .default([]),
    /** Time bounds of the HTTP server, each phase its own (dashboard-api/src/server-bounds.ts). */
    timeouts: z
      .object({
        /** Slowloris sends a header byte a second; 10 s is what nginx's client_header_timeout
         * (60 s) and Node's own default (60 s) allow at most, tightened for a small JSON API. */
        headersS: z.number().positive().default(10),
        requestS: z.number().positive().default(30),
        keepAliveS: z.number().positive().default(5),
        /** No byte either way for this long closes the socket; must exceed streamPingS. */
        idleS: z.number().positive().default(60),
      })
      .strict()
      .refine((t) => t.headersS <= t.requestS, { message: 'headersS must not exceed requestS (Node refuses it)', path: ['headersS'] })
      .prefault({}),
    /** Open HTTP connections at most (1 000 officers with a live stream each, and their calls);
     * never more than half the process's descriptor limit, so MQTT devices keep the rest. */
    maxConnections: z.number().int().positive().default(4096),
    /** Open connections per client address (trusted proxies exempt): one client cannot take them all. */
    maxConnectionsPerAddress: z.number().int().positive().default(256),
    /** Seconds between `: ping` comments on the live stream (keeps proxies from closing it). */
    streamPingS: z.number().positive().default(15),
    /** Tokens seeded into state.db at start (tests, demo, infrastructure as code): only the
     * SHA-256 of each token is written here; `shaobing token create` makes tokens at run time. */
    bootstrapTokens: z
      .array(
        z
          .object({
            name: z.string().min(1).max(100),
            role: z.enum(['viewer', 'owner', 'officer', 'admin']),
            tokenHash: z.string().regex(/^[0-9a-f]{64}$/, 'the lowercase hex SHA-256 of the token, not the token'),
            /** What the token sees: all, region:ID[,region:ID…], org:ID or site:ID; absent: all. */
            scope: scopeTextSchema.optional(),
          })
          .strict()
          .refine((t) => t.role !== 'owner' || t.scope?.kind === 'site', { message: 'an owner token needs scope site:ID (its one site)', path: ['scope'] }),
      )
      .default([]),
    /** Login sessions of people (POST /api/v1/session). NIST SP 800-63B §4.2.3 (AAL2): a session is
     * re-authenticated at least every 12 hours (a duty shift) and after 30 minutes unused. 0
     * minutes turns the idle limit off, for a duty room's wall console that must not log out
     * mid-shift (IEC 62443-3-3 SR 2.5 lets operator stations go without a session lock). */
    sessions: z.object({ idleMinutes: z.number().min(0).default(30), absoluteHours: z.number().positive().max(24 * 30).default(12) }).strict().prefault({}),
    /** Consecutive wrong passwords that lock an account, and for how long (GB/T 22239-2019
     * 8.1.4.1: login-failure handling; dashboard-api/src/users/lockout.ts says why 5 and 15). */
    lockout: z.object({ maxFailures: z.number().int().min(1).max(100).default(5), lockMinutes: z.number().positive().max(24 * 60).default(15) }).strict().prefault({}),
    /** HTTPS for the API and the page; absent: plain HTTP (behind a reverse proxy that does TLS,
     * docs/operations.md). SIGHUP re-reads the files. */
    tls: z
      .object({
        /** PEM: the server certificate first, then its intermediates. */
        certFile: z.string().min(1),
        /** PEM private key of certFile, unencrypted (mode 0600). */
        keyFile: z.string().min(1),
        /** RFC 8996 retired TLS 1.0 and 1.1. */
        minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.streamPingS >= a.timeouts.idleS) ctx.addIssue({ code: 'custom', path: ['timeouts', 'idleS'], message: `idleS (${a.timeouts.idleS}) must exceed streamPingS (${a.streamPingS}), or idle live streams are cut` });
  });

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
    alarms: alarmsSchema.prefault({}),
    orders: ordersSchema.prefault({}),
    api: apiSchema.prefault({}),
    notify: notifySchema.prefault({}),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).strict().prefault({}),
    /** The region tree (province → city → county → town → grid); sites name their region. */
    regions: z.array(regionSchema).default([]),
    organisations: z.array(organisationSchema).default([]),
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
    const regions = new Set(config.regions.map((r) => r.id));
    config.regions.forEach((r, i) => {
      if (config.regions.findIndex((o) => o.id === r.id) !== i) ctx.addIssue({ code: 'custom', path: ['regions', i, 'id'], message: `region id ${r.id} appears twice` });
      if (r.parent !== undefined && !regions.has(r.parent)) ctx.addIssue({ code: 'custom', path: ['regions', i, 'parent'], message: `no region ${r.parent} in regions` });
    });
    // A region tree has no cycles: walking up from each region must reach a root.
    const parentOf = new Map(config.regions.map((r) => [r.id, r.parent]));
    config.regions.forEach((r, i) => {
      const seen = new Set([r.id]);
      for (let up = r.parent; up !== undefined; up = parentOf.get(up)) {
        if (!seen.has(up)) {
          seen.add(up);
          continue;
        }
        if (up === r.id) ctx.addIssue({ code: 'custom', path: ['regions', i, 'parent'], message: `region ${r.id} is its own ancestor (${[...seen].join(' → ')} → ${r.id}): a region tree has no cycles` });
        break;
      }
    });
    const orgs = new Set(config.organisations.map((o) => o.id));
    config.sites.forEach((s, i) => {
      if (s.region !== undefined && !regions.has(s.region)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'region'], message: `no region ${s.region} in regions` });
      if (s.org !== undefined && !orgs.has(s.org)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'org'], message: `no organisation ${s.org} in organisations` });
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
