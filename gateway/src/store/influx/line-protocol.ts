// One InfluxDB line-protocol encoder for every writer (1.x /write and 2.x /api/v2/write take the
// same text). Hand-built strings: the issue measured them about 1.5× faster than the client's
// `Point`. Escaping follows the line-protocol reference: commas, spaces and equals signs in tag
// keys, tag values and field keys; commas and spaces in the measurement; double quotes and
// backslashes in string field values. Read-back against a real influxd is in
// tests/integration/store/influx-line-protocol.test.ts.

/** A value that line protocol cannot carry (a newline in a tag, a non-finite number...). */
export class LineProtocolError extends Error {
  override readonly name = 'LineProtocolError';
}

export type FieldValue = { readonly kind: 'float'; readonly v: number } | { readonly kind: 'int'; readonly v: number } | { readonly kind: 'string'; readonly v: string } | { readonly kind: 'bool'; readonly v: boolean };

export const float = (v: number): FieldValue => ({ kind: 'float', v });
export const int = (v: number): FieldValue => ({ kind: 'int', v });
export const str = (v: string): FieldValue => ({ kind: 'string', v });

export interface PointData {
  readonly measurement: string;
  /** Tags in any order: they are sorted by key (InfluxDB's recommendation for write speed). Empty values are left out. */
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, FieldValue | undefined>>;
  /** Milliseconds since the epoch: writers send precision=ms. */
  readonly tsMs: number;
}

// Global regexes only in replace(); test() uses the sticky-free twins (a /g regex keeps lastIndex).
const MEASUREMENT_SPECIAL = /[, ]/g;
const KEY_SPECIAL = /[,= ]/g;
const STRING_SPECIAL = /["\\]/g;
const HAS_MEASUREMENT_SPECIAL = /[, ]/;
const HAS_KEY_SPECIAL = /[,= ]/;
const HAS_STRING_SPECIAL = /["\\]/;

export function escapeMeasurement(s: string): string {
  checkName(s, 'measurement');
  return HAS_MEASUREMENT_SPECIAL.test(s) ? s.replace(MEASUREMENT_SPECIAL, '\\$&') : s;
}

/** Tag keys, tag values and field keys share one rule. */
export function escapeKey(s: string, what = 'tag'): string {
  checkName(s, what);
  return HAS_KEY_SPECIAL.test(s) ? s.replace(KEY_SPECIAL, '\\$&') : s;
}

export function escapeString(s: string): string {
  return `"${HAS_STRING_SPECIAL.test(s) ? s.replace(STRING_SPECIAL, '\\$&') : s}"`;
}

function checkName(s: string, what: string): void {
  // A newline ends the line, and InfluxDB 1.x keeps a backslash before an ordinary character as
  // it is, so a trailing backslash would escape the separator after it: neither can be carried.
  if (s.length === 0) throw new LineProtocolError(`empty ${what}`);
  if (/[\n\r]/.test(s)) throw new LineProtocolError(`${what} ${JSON.stringify(s)} holds a line break`);
  if (s.endsWith('\\')) throw new LineProtocolError(`${what} ${JSON.stringify(s)} ends with a backslash`);
}

function encodeField(key: string, f: FieldValue): string {
  const k = escapeKey(key, 'field key');
  switch (f.kind) {
    case 'float':
      if (!Number.isFinite(f.v)) throw new LineProtocolError(`field ${key} is ${f.v}, not a finite number`);
      // String(1e21) is "1e+21", which InfluxDB parses as a float; -0 becomes "0".
      return `${k}=${String(f.v)}`;
    case 'int':
      if (!Number.isSafeInteger(f.v)) throw new LineProtocolError(`field ${key} is ${f.v}, not a safe integer`);
      return `${k}=${f.v}i`;
    case 'string':
      return `${k}=${escapeString(f.v)}`;
    case 'bool':
      return `${k}=${f.v ? 't' : 'f'}`;
  }
}

/** One point as one line, without the trailing newline. Throws LineProtocolError. */
export function encodePoint(p: PointData): string {
  if (!Number.isSafeInteger(p.tsMs)) throw new LineProtocolError(`timestamp ${p.tsMs} is not an integer of milliseconds`);
  let line = escapeMeasurement(p.measurement);
  for (const key of Object.keys(p.tags).sort()) {
    const value = p.tags[key]!;
    if (value === '') continue;
    line += `,${escapeKey(key)}=${escapeKey(value, `tag ${key}`)}`;
  }
  const fields: string[] = [];
  for (const key of Object.keys(p.fields).sort()) {
    const f = p.fields[key];
    if (f !== undefined) fields.push(encodeField(key, f));
  }
  if (fields.length === 0) throw new LineProtocolError(`point of ${p.measurement} has no field`);
  return `${line} ${fields.join(',')} ${p.tsMs}`;
}

/** Escaped tag values by raw value: sites, devices and channels repeat on every point. */
const tagCache = new Map<string, string>();
const TAG_CACHE_MAX = 100_000;

function cachedTag(s: string, key: string): string {
  let escaped = tagCache.get(s);
  if (escaped === undefined) {
    escaped = escapeKey(s, `tag ${key}`);
    if (tagCache.size >= TAG_CACHE_MAX) tagCache.clear();
    tagCache.set(s, escaped);
  }
  return escaped;
}

/**
 * Schema (README, InfluxDB): measurement `reading`, one point per channel of a message. The hot
 * path of the sink, so it is written out (tags already in key order) instead of going through
 * encodePoint; the unit tests hold both to the same output.
 */
export function readingLine(r: { site: string; device: string; channel: string; quantity: string; value: number; seq: number; tsMs: number }): string {
  if (!Number.isFinite(r.value)) throw new LineProtocolError(`field value is ${r.value}, not a finite number`);
  if (!Number.isSafeInteger(r.seq)) throw new LineProtocolError(`field seq is ${r.seq}, not a safe integer`);
  if (!Number.isSafeInteger(r.tsMs)) throw new LineProtocolError(`timestamp ${r.tsMs} is not an integer of milliseconds`);
  return `reading,channel=${cachedTag(r.channel, 'channel')},device=${cachedTag(r.device, 'device')},quantity=${cachedTag(r.quantity, 'quantity')},site=${cachedTag(r.site, 'site')} seq=${r.seq}i,value=${r.value} ${r.tsMs}`;
}

export interface AlarmEventPoint {
  readonly eventId: number;
  readonly alarmId: string;
  readonly site: string;
  readonly device: string;
  readonly channel: string;
  readonly quantity: string;
  readonly rule: string;
  /** raised, escalated, cleared, acked, closed...: the event kind. */
  readonly kind: string;
  /** The level after the move (`to_level`), or the alarm's level when the event keeps it. */
  readonly level: string;
  readonly fromLevel: string | null;
  readonly state: string;
  readonly value: number | null;
  readonly actor: string | null;
  readonly note: string | null;
  readonly atMs: number;
}

/** Schema (README, InfluxDB): measurement `alarm_event`, one point per alarm transition. */
export function alarmEventLine(e: AlarmEventPoint): string {
  return encodePoint({
    measurement: 'alarm_event',
    tags: { site: e.site, device: e.device, channel: e.channel, quantity: e.quantity, rule: e.rule, kind: e.kind, level: e.level },
    fields: {
      event_id: int(e.eventId),
      alarm_id: str(e.alarmId),
      state: str(e.state),
      from_level: e.fromLevel === null ? undefined : str(e.fromLevel),
      value: e.value === null || !Number.isFinite(e.value) ? undefined : float(e.value),
      actor: e.actor === null ? undefined : str(e.actor),
      note: e.note === null ? undefined : str(e.note),
    },
    tsMs: e.atMs,
  });
}
