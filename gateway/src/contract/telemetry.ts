// The telemetry payload contract (DESIGN.md, Telemetry payload): schema, limits and one decode
// function that turns raw bytes into a reading or a reason. A bad payload is a value, not a throw.

import { z } from 'zod';
import { ID_PATTERN, idProblem } from './ids.js';

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

const channelId = z.string().regex(ID_PATTERN);

const timestamp = z.union([
  z.iso.datetime({ offset: true }),
  z.number().int().nonnegative().max(8.64e15),
]);

const readingsSchema = z.record(channelId, z.number());

const metaSchema = z.object({
  battery: z.number().min(0).max(100).optional(),
  rssi: z.number().min(-200).max(50).optional(),
  // Device-reported fault codes, e.g. ["sensor_open"]; issue 3 turns them into fault alarms.
  fault: z.array(z.string().max(64)).max(16).optional(),
  fw: z.string().max(64).optional(),
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

function reject(reason: RejectReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

/** Decodes one telemetry message. `nowMs` is the gateway clock, passed in so tests control it. */
export function decodeTelemetry(bytes: Uint8Array, nowMs: number, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodeResult {
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
  if (text.includes('__proto__') || text.includes('"constructor"') || text.includes('"prototype"')) {
    return reject('forbidden_key', 'payload uses a reserved key (__proto__, constructor, prototype)');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return reject('invalid_json', (err as Error).message.slice(0, 200));
  }
  return decodeTelemetryObject(json, nowMs, limits);
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
