// fast-check generators of hostile telemetry: one arbitrary per class of
// bad payload, each breaking exactly one thing so the dead-letter reason it must get is known
// without asking the decoder under test; plus hostile topics a device might publish to.

import fc from 'fast-check';
import type { RejectReason } from '../../../gateway/src/contract/telemetry.js';

export interface BadMessage {
  /** The generator class, e.g. `nan-string`; several classes share a reason. */
  readonly cls: string;
  readonly reason: RejectReason;
  readonly payload: Buffer;
}

/** Limits of the contract (docs/device-protocol.md, Limits) the generators aim just past. */
const MAX_BYTES = 16 * 1024;
const MAX_READINGS = 64;
const DAY_MS = 86_400_000;
const MAX_AGE_MS = 7 * DAY_MS;
/** Future skew far beyond the 120 s limit, so seconds of test time cannot move a case across it. */
const FAR_MS = 3_600_000;

const num = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }));
const numText = num.map((n) => JSON.stringify(Object.is(n, -0) ? 0 : n));
const seqText = fc.nat({ max: 1_000_000 }).map(String);
const asciiText = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength }).filter((s) => !/__proto__|constructor|prototype/.test(s));

/** A JSON object from raw key and value texts, in the order given (keys already quoted). */
function obj(fields: readonly (readonly [string, string])[]): string {
  return `{${fields.map(([k, v]) => `${k}:${v}`).join(',')}}`;
}

const q = (s: string) => JSON.stringify(s);
const readingsText = fc.tuple(numText, numText).map(([a, b]) => obj([[q('ch4'), a], [q('co'), b]]));

/** ts texts the gateway accepts at gateway time `nowMs` (epoch ms or ISO with offset, within skew). */
function goodTs(nowMs: () => number): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: 0, max: DAY_MS }), fc.boolean()).map(([ago, iso]) => {
    const t = nowMs() - 60_000 - ago;
    return iso ? q(new Date(t).toISOString()) : String(t);
  });
}

/** A valid message with one field replaced by `field`'s generator. */
function withField(nowMs: () => number, field: 'ts' | 'seq' | 'readings' | 'meta' | 'root', value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(goodTs(nowMs), seqText, readingsText, value).map(([ts, seq, readings, v]) => {
    if (field === 'root') return v;
    const fields: [string, string][] = [[q('ts'), ts], [q('seq'), seq], [q('readings'), readings]];
    const i = fields.findIndex(([k]) => k === q(field));
    if (i >= 0) fields[i] = [q(field), v];
    else fields.push([q(field), v]);
    return obj(fields);
  });
}

function missing(nowMs: () => number, field: 'ts' | 'seq' | 'readings'): fc.Arbitrary<string> {
  return fc.tuple(goodTs(nowMs), seqText, readingsText).map(([ts, seq, readings]) =>
    obj(([[q('ts'), ts], [q('seq'), seq], [q('readings'), readings]] as [string, string][]).filter(([k]) => k !== q(field))),
  );
}

const text = (reason: RejectReason, cls: string, arb: fc.Arbitrary<string>): fc.Arbitrary<BadMessage> =>
  arb.map((s) => ({ cls, reason, payload: Buffer.from(s, 'utf8') }));

/** Byte sequences that are never valid UTF-8 (RFC 3629 §3, §10). */
const INVALID_UTF8: readonly number[][] = [
  [0xff], [0xfe], [0x80], [0xbf], // bytes that never appear / lone continuation
  [0xc0, 0xaf], [0xe0, 0x80, 0xaf], // overlong '/'
  [0xed, 0xa0, 0x80], // UTF-16 surrogate encoded (CESU-8)
  [0xe2, 0x82], // truncated 3-byte sequence
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xb3, 0xf8, 0xb7, 0xbf], // GBK bytes of 厨 sent as if UTF-8
];

/** Valid JSON keys that name Object.prototype's machinery, raw and \u-escaped (escaped ones pass a text check). */
const RESERVED_PLAIN = ['"__proto__"', '"constructor"', '"prototype"'];
const RESERVED_ESCAPED = ['"\\u005f_proto__"', '"\\u0063onstructor"', '"\\u0070rototype"', '"_\\u005fproto_\\u005f"'];
const pollutionValue = fc.constantFrom('{"polluted":"yes"}', '{"isAdmin":true}', '{"prototype":{"polluted":1}}', '1', '[]', 'null');

/** One arbitrary per class; `nowMs` is the gateway clock (read when a value is generated). */
export function badArbitraries(nowMs: () => number): Record<string, fc.Arbitrary<BadMessage>> {
  return {
    'not-utf8': fc
      // ASCII around the poisoned bytes: a lead byte before or a continuation after could complete them.
      .tuple(fc.uint8Array({ max: 0x7f, maxLength: 300 }), fc.constantFrom(...INVALID_UTF8), fc.uint8Array({ max: 0x7f, maxLength: 300 }), fc.boolean(), goodTs(nowMs))
      .map(([pre, bad, post, wrapped, ts]) => ({
        cls: 'not-utf8',
        reason: 'not_utf8' as const,
        // Either raw noise with a poisoned byte, or well-formed JSON whose string carries it.
        payload: wrapped
          ? Buffer.concat([Buffer.from(`{"ts":${ts},"seq":1,"readings":{"ch4":1},"meta":{"fw":"`), Buffer.from(bad), Buffer.from('"}}')])
          : Buffer.concat([Buffer.from(pre), Buffer.from(bad), Buffer.from(post)]),
      })),
    'too-large': fc.tuple(fc.integer({ min: MAX_BYTES + 1, max: 40_000 }), fc.constantFrom('a', ' ', '[', '{"a":1}', '\u5395')).map(([bytes, unit]) => {
      const unitBytes = Buffer.byteLength(unit);
      return { cls: 'too-large', reason: 'too_large' as const, payload: Buffer.from(unit.repeat(Math.ceil(bytes / unitBytes)), 'utf8') };
    }),
    'invalid-json-truncated': text(
      'invalid_json',
      'invalid-json-truncated',
      fc.tuple(withField(nowMs, 'meta', fc.constant('{"battery":50}')), fc.double({ min: 0, max: 1, noNaN: true })).map(([s, f]) => s.slice(0, 1 + Math.floor(f * (s.length - 2)))),
    ),
    'invalid-json-literal': text(
      'invalid_json',
      'invalid-json-literal',
      withField(nowMs, 'readings', fc.constantFrom('NaN', 'Infinity', '-Infinity', 'undefined', '0x10', '+1', '.5', '01', "'x'").map((v) => `{"ch4":${v}}`)),
    ),
    'invalid-json-garbage': text(
      'invalid_json',
      'invalid-json-garbage',
      fc.constantFrom('', ' ', '{', '}', '{"ts":', "{'ts':1}", '{"a":1,}', 'ts=1&seq=2', '<xml/>', '{"a" 1}', '\u0000'),
    ),
    'forbidden-key-plain': text(
      'forbidden_key',
      'forbidden-key-plain',
      fc.tuple(fc.constantFrom(...RESERVED_PLAIN), pollutionValue, fc.constantFrom('readings', 'meta', 'root', 'deep')).chain(([key, value, where]) => {
        if (where === 'readings') return withField(nowMs, 'readings', fc.constant(obj([[q('ch4'), '1'], [key, value]])));
        if (where === 'meta') return withField(nowMs, 'meta', fc.constant(obj([[key, value]])));
        if (where === 'deep') return withField(nowMs, 'meta', fc.constant(`{"x":{"y":[{${key}:${value}}]}}`));
        return withField(nowMs, 'readings', readingsText).map((s) => `{${key}:${value},${s.slice(1)}`);
      }),
    ),
    'forbidden-key-escaped': text(
      'forbidden_key',
      'forbidden-key-escaped',
      fc.tuple(fc.constantFrom(...RESERVED_ESCAPED), fc.constantFrom('{"polluted":"yes"}', '1', '2.5'), fc.constantFrom('readings', 'meta')).chain(([key, value, where]) =>
        where === 'readings'
          ? withField(nowMs, 'readings', fc.constant(obj([[q('ch4'), '1'], [key, value]])))
          : withField(nowMs, 'meta', fc.constant(obj([[key, value]]))),
      ),
    ),
    'not-object': text('not_object', 'not-object', fc.oneof(fc.constantFrom('null', 'true', '"telemetry"', '[]', '[{"ts":1}]'), num.map((n) => JSON.stringify(n)), fc.array(num, { maxLength: 20 }).map((a) => JSON.stringify(a)))),
    'deep-array': text('not_object', 'deep-array', fc.integer({ min: 100, max: 7000 }).map((d) => '['.repeat(d) + ']'.repeat(d))),
    'deep-object-no-ts': text('bad_ts', 'deep-object-no-ts', fc.integer({ min: 100, max: 2500 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d))),
    'bad-ts-type': text(
      'bad_ts',
      'bad-ts-type',
      withField(nowMs, 'ts', fc.constantFrom('true', 'null', '{}', '[]', '"yesterday"', '"2026-11-22T08:00:00"', '"2026-13-45T99:00:00Z"', '1.5', '-1', '"NaN"', '9e15')),
    ),
    'bad-ts-missing': text('bad_ts', 'bad-ts-missing', missing(nowMs, 'ts')),
    'ts-in-future': text(
      'ts_in_future',
      'ts-in-future',
      fc.tuple(fc.integer({ min: FAR_MS, max: 100 * 365 * DAY_MS }), fc.boolean()).chain(([ahead, iso]) =>
        withField(nowMs, 'ts', fc.constant(null).map(() => (iso ? q(new Date(nowMs() + ahead).toISOString()) : String(nowMs() + ahead)))),
      ),
    ),
    'ts-too-old': text(
      'ts_too_old',
      'ts-too-old',
      fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()).chain(([f, iso]) =>
        withField(nowMs, 'ts', fc.constant(null).map(() => {
          // Anywhere from the epoch to a day past the 7-day backfill limit.
          const t = Math.floor(f * (nowMs() - MAX_AGE_MS - DAY_MS));
          return iso ? q(new Date(t).toISOString()) : String(t);
        })),
      ),
    ),
    'bad-seq': text('bad_seq', 'bad-seq', withField(nowMs, 'seq', fc.constantFrom('"1042"', '1.5', '-1', 'null', 'true', '{}', '9007199254740993', '1e300'))),
    'bad-seq-missing': text('bad_seq', 'bad-seq-missing', missing(nowMs, 'seq')),
    'bad-readings': text('bad_readings', 'bad-readings', withField(nowMs, 'readings', fc.oneof(fc.constantFrom('null', 'true', '"ch4=3"', '3.5'), fc.array(num, { minLength: 1, maxLength: 10 }).map((a) => JSON.stringify(a))))),
    'bad-readings-missing': text('bad_readings', 'bad-readings-missing', missing(nowMs, 'readings')),
    'no-readings': text('no_readings', 'no-readings', withField(nowMs, 'readings', fc.constant('{}'))),
    'too-many-readings': text(
      'too_many_readings',
      'too-many-readings',
      withField(nowMs, 'readings', fc.integer({ min: MAX_READINGS + 1, max: 400 }).map((n) => obj(Array.from({ length: n }, (_, i) => [q(`c${i}`), String(i)] as const)))),
    ),
    'bad-channel': text(
      'bad_channel',
      'bad-channel',
      withField(
        nowMs,
        'readings',
        fc
          .oneof(
            fc.constantFrom('', 'ch4/co', 'ch 4', 'ch4+', 'ch4#', '厨房', 'ch\u0000', 'c'.repeat(65), '$SYS', 'ch4\n', 'é'),
            fc.tuple(asciiText(10), fc.constantFrom('/', '+', '#', ' ', '.', '厨', '\u{1F525}'), asciiText(10)).map(([a, b, c]) => a + b + c),
          )
          .map((key) => obj([[q(key), '1']])),
      ),
    ),
    'nan-string': text('not_finite', 'nan-string', withField(nowMs, 'readings', fc.constantFrom('"NaN"', '"Infinity"', '"-Infinity"', '"1e400"', '"3.5"', 'null', 'true', '{}', '[1]', '1e400', '-1e400').map((v) => `{"ch4":${v},"co":1}`))),
    'deep-reading': text('not_finite', 'deep-reading', withField(nowMs, 'readings', fc.integer({ min: 10, max: 7000 }).map((d) => `{"ch4":${'['.repeat(d)}${']'.repeat(d)}}`))),
    'bad-meta': text(
      'bad_meta',
      'bad-meta',
      withField(
        nowMs,
        'meta',
        fc.oneof(
          fc.constantFrom('"low battery"', 'null', '[]', '5', '{"fault":"sensor_open"}', '{"fault":[1]}'),
          fc.integer({ min: 101, max: 100_000 }).map((b) => `{"battery":${b}}`),
          fc.integer({ min: -100_000, max: -1 }).map((b) => `{"battery":${b}}`),
          fc.integer({ min: 51, max: 10_000 }).map((r) => `{"rssi":${r}}`),
          fc.integer({ min: 65, max: 500 }).map((n) => `{"fw":${q('v'.repeat(n))}}`),
          fc.integer({ min: 17, max: 100 }).map((n) => `{"fault":${JSON.stringify(Array.from({ length: n }, (_, i) => `f${i}`))}}`),
        ),
      ),
    ),
  };
}

/** A 1 MiB payload: far past the 16 KiB limit, the size the issue names. */
export function mebibytePayload(fill: string): Buffer {
  return Buffer.alloc(1024 * 1024, fill);
}

/** Decorations of a valid message that must change nothing: unknown keys stripped, escaped reserved keys at the top level ignored. */
export const harmlessExtras: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom('"\\u005f_proto__":{"polluted":"yes"}', '"\\u0063onstructor":{"p":1}', '"extra":{"deep":[[[[1]]]]}', '"\\u0070rototype":{"isAdmin":true}') },
);

/** Topics a device must not publish to: wildcards, separators and unicode in its own ids, other shapes. */
export function hostileTopics(own: { site: string; device: string }): fc.Arbitrary<string> {
  const base = `shaobing/${own.site}/${own.device}/telemetry`;
  const inject = fc.tuple(fc.nat({ max: base.length }), fc.constantFrom('+', '#', '/', 'é', '厨', '\u{1F525}', ' ', '\u0000', '\uFFFF', '$', '//')).map(([at, s]) => base.slice(0, at) + s + base.slice(at));
  return fc.oneof(
    { weight: 6, arbitrary: inject },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        `shaobing/${own.site}/+/telemetry`,
        `shaobing/${own.site}/#`,
        `shaobing/_deadletter/${own.site}/${own.device}`,
        `shaobing/${own.site}/order`,
        `shaobing/${own.site}/alarms`,
        `shaobing/${own.site}/${own.device}/cmd`,
        `shaobing/${own.site}/${own.device}/telemetry/extra`,
        `/shaobing/${own.site}/${own.device}/telemetry`,
        `shaobing/${own.site}/${own.device}`,
        `$SYS/broker/${own.device}`,
        `shaobing/${own.site}/__proto__/telemetry`,
        `shaobing/${own.site}/${'d'.repeat(65)}/telemetry`,
        `${base}/${'x/'.repeat(150)}x`,
        `shaobing/${own.site}/${own.device}/${'t'.repeat(600)}`,
      ),
    },
  );
}
