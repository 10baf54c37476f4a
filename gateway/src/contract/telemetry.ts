// The telemetry payload contract (docs/device-protocol.md, Telemetry): schema, limits and one decode
// function that turns raw bytes into a reading or a reason. A bad payload is a value, not a throw.
// The schema is the contract; a hand-written check of the common valid shape only saves its cost
// on the hot path and hands everything it does not accept to the schema, which says why.

import { z } from 'zod';
import { ID_PATTERN, idProblem, isId } from './ids.js';

export const MAX_PAYLOAD_BYTES = 16 * 1024;
export const MAX_READINGS = 64;

/** Why a message was dead-lettered; the code shows up in logs, counters and dead letters. */
export type RejectReason =
  | 'too_large'
  | 'not_utf8'
  | 'invalid_json'
  | 'forbidden_key'
  | 'not_object'
  | 'bad_ts'
  | 'ts_in_future'
  | 'ts_too_old'
  | 'bad_seq'
  | 'bad_readings'
  | 'no_readings'
  | 'too_many_readings'
  | 'bad_channel'
  | 'not_finite'
  | 'bad_meta';

// Bounds shared by the schema and the fast path below, so the two cannot drift apart.
/** ECMA-262 §21.4.1.1 (Time Values and Time Range): the largest ms a Date can hold. */
const MAX_EPOCH_MS = 8.64e15;
const BATTERY_PCT = { min: 0, max: 100 } as const;
const RSSI_DBM = { min: -200, max: 50 } as const;
const MAX_FAULTS = 16;
const MAX_META_TEXT = 64;

const channelId = z.string().regex(ID_PATTERN);

const isoTimestamp = z.iso.datetime({ offset: true });

const timestamp = z.union([
  isoTimestamp,
  z.number().int().nonnegative().max(MAX_EPOCH_MS),
]);

const readingsSchema = z.record(channelId, z.number());

const metaSchema = z.object({
  battery: z.number().min(BATTERY_PCT.min).max(BATTERY_PCT.max).optional(),
  rssi: z.number().min(RSSI_DBM.min).max(RSSI_DBM.max).optional(),
  // Device-reported fault codes, e.g. ["sensor_open"]; detect/fault.ts turns them into fault alarms.
  fault: z.array(z.string().max(MAX_META_TEXT)).max(MAX_FAULTS).optional(),
  fw: z.string().max(MAX_META_TEXT).optional(),
});

export const telemetrySchema = z.object({
  ts: timestamp,
  seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  readings: readingsSchema,
  meta: metaSchema.optional(),
});

export type TelemetryPayload = z.infer<typeof telemetrySchema>;
export type Meta = z.infer<typeof metaSchema>;

/** A decoded, validated telemetry message in the gateway's terms. */
export interface Telemetry {
  readonly tsMs: number;
  readonly seq: number;
  readonly readings: Readonly<Record<string, number>>;
  readonly meta: Meta | undefined;
}

export interface DecodeLimits {
  /** How far ahead of the gateway clock a reading's ts may be. */
  readonly maxFutureMs: number;
  /** How far behind the gateway clock a reading's ts may be (buffered backfill is allowed). */
  readonly maxAgeMs: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxFutureMs: 120_000, maxAgeMs: 7 * 86_400_000 };

export type DecodeResult =
  | { readonly ok: true; readonly telemetry: Telemetry }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** One scan for the three reserved names; three `includes` calls cost four times as much. */
const RESERVED_KEY_TEXT = /__proto__|"constructor"|"prototype"/;

function reject(reason: RejectReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

/** Decodes one telemetry message. `nowMs` is the gateway clock, passed in so tests control it. */
export function decodeTelemetry(bytes: Uint8Array, nowMs: number, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodeResult {
  return decodeBytes(bytes, nowMs, limits, true);
}

/** The same decode through the schema alone: the reference the fast path is tested against. */
export function decodeTelemetrySlow(bytes: Uint8Array, nowMs: number, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodeResult {
  return decodeBytes(bytes, nowMs, limits, false);
}

function decodeBytes(bytes: Uint8Array, nowMs: number, limits: DecodeLimits, fast: boolean): DecodeResult {
  if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
    return reject('too_large', `${bytes.byteLength} bytes, limit ${MAX_PAYLOAD_BYTES}`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return reject('not_utf8', 'payload is not valid UTF-8');
  }
  // JSON.parse makes "__proto__" an own key; refusing such keys outright is cheaper than
  // proving every later spread and lookup safe.
  if (RESERVED_KEY_TEXT.test(text)) {
    return reject('forbidden_key', 'payload uses a reserved key (__proto__, constructor, prototype)');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return reject('invalid_json', (err as Error).message.slice(0, 200));
  }
  return (fast ? decodeCommonShape(json, nowMs, limits) : undefined) ?? decodeTelemetryObject(json, nowMs, limits);
}

/** The part of decoding that works on parsed JSON; split out for tests and other ingresses. */
export function decodeTelemetryObject(json: unknown, nowMs: number, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodeResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return reject('not_object', 'payload must be a JSON object');
  }
  // The text check in decodeTelemetry misses escaped keys ("\u005f_proto__") and other ingresses
  // come straight here, so the two maps a payload supplies keys for are checked once parsed.
  const { readings, meta: rawMeta } = json as { readings?: unknown; meta?: unknown };
  const reserved = reservedKey(readings) ?? reservedKey(rawMeta);
  if (reserved !== undefined) return reject('forbidden_key', `payload uses the reserved key ${JSON.stringify(reserved)}`);
  if (readings !== null && typeof readings === 'object' && !Array.isArray(readings)) {
    const count = Object.keys(readings).length;
    if (count === 0) return reject('no_readings', 'readings is empty');
    if (count > MAX_READINGS) return reject('too_many_readings', `${count} readings, limit ${MAX_READINGS}`);
  }
  const parsed = telemetrySchema.safeParse(json);
  if (!parsed.success) return fromZod(parsed.error);
  const { ts, seq, meta } = parsed.data;
  const tsMs = typeof ts === 'number' ? ts : Date.parse(ts);
  if (!Number.isFinite(tsMs)) return reject('bad_ts', `ts ${JSON.stringify(ts)} is not a time`);
  if (tsMs - nowMs > limits.maxFutureMs) {
    return reject('ts_in_future', `ts is ${Math.round((tsMs - nowMs) / 1000)} s ahead of the gateway clock (limit ${limits.maxFutureMs / 1000} s)`);
  }
  if (nowMs - tsMs > limits.maxAgeMs) {
    return reject('ts_too_old', `ts is ${Math.round((nowMs - tsMs) / 1000)} s behind the gateway clock (limit ${limits.maxAgeMs / 1000} s)`);
  }
  return { ok: true, telemetry: { tsMs, seq, readings: parsed.data.readings, meta } };
}

/** zod's own pattern for `ts` strings, so the fast path accepts exactly the strings the schema does. */
const ISO_PATTERN: RegExp | undefined = isoTimestamp.def.pattern;

/**
 * The common valid message checked by hand, for values fresh from JSON.parse only (plain objects
 * and arrays of own data properties). Returns what decodeTelemetryObject would return for it, or
 * undefined for anything it does not fully accept: the schema path then decides, and says why.
 * Exported for the equivalence test and the benchmark.
 */
export function decodeCommonShape(json: unknown, nowMs: number, limits: DecodeLimits): DecodeResult | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const { ts, seq, readings, meta } = json as { ts?: unknown; seq?: unknown; readings?: unknown; meta?: unknown };
  let tsMs: number;
  if (typeof ts === 'number') {
    if (!Number.isSafeInteger(ts) || ts < 0 || ts > MAX_EPOCH_MS) return undefined;
    tsMs = ts;
  } else if (typeof ts === 'string' && ISO_PATTERN !== undefined && ISO_PATTERN.test(ts)) {
    tsMs = Date.parse(ts);
  } else {
    return undefined;
  }
  // The same expressions as decodeTelemetryObject's window, so a boundary falls the same way.
  if (!Number.isFinite(tsMs) || tsMs - nowMs > limits.maxFutureMs || nowMs - tsMs > limits.maxAgeMs) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  if (!isChannelMap(readings)) return undefined;
  let outMeta: Meta | undefined;
  if (meta !== undefined) {
    outMeta = commonMeta(meta);
    if (outMeta === undefined) return undefined;
  }
  // The parsed readings object is fresh and holds exactly the schema's output: no copy needed.
  return { ok: true, telemetry: { tsMs, seq, readings, meta: outMeta } };
}

/** 1 to MAX_READINGS own keys, each a channel id (not a reserved name), each a finite number. */
function isChannelMap(value: unknown): value is Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 0 || keys.length > MAX_READINGS) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v = (value as Record<string, unknown>)[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !isId(key)) return false;
  }
  return true;
}

/** The schema's meta output (known keys in schema order, unknown ones dropped), or undefined. */
function commonMeta(meta: unknown): Meta | undefined {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return undefined;
  if (reservedKey(meta) !== undefined) return undefined;
  const { battery, rssi, fault, fw } = meta as { battery?: unknown; rssi?: unknown; fault?: unknown; fw?: unknown };
  const out: { battery?: number; rssi?: number; fault?: string[]; fw?: string } = {};
  if (battery !== undefined) {
    if (!inRange(battery, BATTERY_PCT)) return undefined;
    out.battery = battery;
  }
  if (rssi !== undefined) {
    if (!inRange(rssi, RSSI_DBM)) return undefined;
    out.rssi = rssi;
  }
  if (fault !== undefined) {
    if (!Array.isArray(fault) || fault.length > MAX_FAULTS || !fault.every(isMetaText)) return undefined;
    out.fault = fault.slice();
  }
  if (fw !== undefined) {
    if (!isMetaText(fw)) return undefined;
    out.fw = fw;
  }
  return out;
}

function inRange(value: unknown, range: { readonly min: number; readonly max: number }): value is number {
  return typeof value === 'number' && value >= range.min && value <= range.max;
}

function isMetaText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_META_TEXT;
}

function reservedKey(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  return Object.keys(value).find((key) => idProblem(key) === 'reserved name');
}

function fromZod(error: z.ZodError): DecodeResult {
  const issue = error.issues[0];
  const path = issue?.path ?? [];
  const where = path.map(String).join('.') || '(root)';
  const detail = `${where}: ${issue?.message ?? 'invalid'}`;
  switch (path[0]) {
    case 'ts':
      return reject('bad_ts', detail);
    case 'seq':
      return reject('bad_seq', detail);
    case 'meta':
      return reject('bad_meta', detail);
    case 'readings':
      if (path.length === 1) return reject('bad_readings', detail);
      if (issue?.code === 'invalid_key') return reject('bad_channel', detail);
      return reject('not_finite', detail);
    default:
      return reject('not_object', detail);
  }
}
