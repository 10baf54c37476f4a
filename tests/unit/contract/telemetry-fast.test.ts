// The hand-written fast path of decodeTelemetry against the schema alone: for every
// input, valid or a near miss, decodeTelemetry must return exactly what decodeTelemetrySlow
// returns (same value, same reason, same detail, same key order).

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeCommonShape,
  decodeTelemetry,
  decodeTelemetrySlow,
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  type DecodeResult,
} from '../../../gateway/src/contract/telemetry.js';
import { badArbitraries } from '../../faults/support/hostile-generators.js';

const NOW_MS = Date.parse('2026-11-22T08:00:00Z');
const FIXTURES = fileURLToPath(new URL('../../fixtures/payloads/', import.meta.url));
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---- a JSON writer that can also say what JSON.stringify cannot (1e400, -0, escaped keys, duplicates)

/** Literal JSON text, written as is. */
class Raw {
  constructor(readonly text: string) {}
}
/** An object as ordered entries: keys may repeat and may be __proto__. */
class Obj {
  constructor(readonly entries: readonly (readonly [string, Tree])[]) {}
}
type Tree = Raw | Obj | null | boolean | number | string | readonly Tree[];
/** A field left out of its object. */
const OMIT = Symbol('omit');
type Field = Tree | typeof OMIT;

interface Style {
  /** Write every key as \u escapes (passes the text check for reserved names). */
  readonly escapeKeys: boolean;
  readonly spaced: boolean;
}

const escapeAll = (key: string): string => `"${[...key].map((c) => (c.length === 1 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('')}"`;

function write(value: Tree, style: Style): string {
  const sep = style.spaced ? ', ' : ',';
  const colon = style.spaced ? ' : ' : ':';
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj) {
    return `{${value.entries.map(([k, v]) => `${style.escapeKeys ? escapeAll(k) : JSON.stringify(k)}${colon}${write(v, style)}`).join(sep)}}`;
  }
  if (Array.isArray(value)) return `[${value.map((v: Tree) => write(v, style)).join(sep)}]`;
  return JSON.stringify(value);
}

const obj = (fields: readonly (readonly [string, Field])[]): Obj =>
  new Obj(fields.filter((f): f is readonly [string, Tree] => f[1] !== OMIT));

// ---- field generators: mostly valid, with near misses on every rule of the schema and limits

const LIMITS: readonly DecodeLimits[] = [DEFAULT_DECODE_LIMITS, { maxFutureMs: 5_000, maxAgeMs: 60_000 }, { maxFutureMs: 0, maxAgeMs: 0 }];

/** ISO text of `ms` with an offset of `offsetMin` minutes and `fraction` digits of seconds. */
function iso(ms: number, offsetMin: number, fraction: string): string {
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const offset = offsetMin === 0 ? 'Z' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local}${fraction}${offset}`;
}

function tsField(limits: DecodeLimits): fc.Arbitrary<Field> {
  const lo = NOW_MS - limits.maxAgeMs;
  const hi = NOW_MS + limits.maxFutureMs;
  const around = fc.integer({ min: lo - 10_000, max: hi + 10_000 });
  return fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: lo, max: hi }) },
    { weight: 2, arbitrary: fc.constantFrom<Field>(lo, lo - 1, hi, hi + 1, lo + 0.5) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(around, fc.constantFrom(0, 480, -300, 345, -720, 840), fc.constantFrom('', '.123', '.5', '.123456789', '.000'))
        .map(([ms, offset, fraction]) => iso(ms, offset, fraction)),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom<Field>(
        OMIT, null, true, -1, 1.5, 0, MAX_SAFE, 8.64e15, new Raw('8640000000000001'), new Raw('-0'), new Raw('1e400'),
        new Raw('1795305540000.0'), new Raw('1.7953055e12'), 'NaN', 'Infinity', String(NOW_MS), [], new Obj([]),
        '2026-11-22T07:59:00', '2026-11-22T07:59:00z', '2026-11-22 07:59:00Z', '2026-11-22T07:59Z', '2026-11-22T24:00:00Z',
        '2026-02-29T07:59:00Z', '2028-02-29T07:59:00Z', '2026-11-31T07:59:00Z', '2026-11-22T07:59:00+24:00', '2026-11-22T07:59:00+0800',
        '+002026-11-22T07:59:00Z', '2026-11-22T07:59:00.Z', '\u0032026-11-22T07:59:00Z', ' 2026-11-22T07:59:00Z',
      ),
    },
  );
}

const seqField: fc.Arbitrary<Field> = fc.oneof(
  { weight: 10, arbitrary: fc.nat() },
  { weight: 1, arbitrary: fc.integer({ min: MAX_SAFE - 3, max: MAX_SAFE }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Field>(
      OMIT, null, true, -1, 1.5, '5', 0, new Raw('-0'), new Raw('9007199254740992'), new Raw('1e308'), new Raw('1e400'),
      new Raw('1.0'), new Raw('1e2'), new Raw('-1e-400'), [], new Obj([]),
    ),
  },
);

const RESERVED = ['__proto__', 'constructor', 'prototype'] as const;

const channelKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('ch4', 'co', 'o2', 'h2s', 'lpg', 'level_m', 'temp-1') },
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...RESERVED, '1', '01', '0', '4294967295', 'a'.repeat(64), 'a'.repeat(65), '', 'ch 4', 'ch4/co', 'ch4+', '#', '厨房', 'é',
      '\u{1F525}', 'ch4\n', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'ﬁ', 'ǅ',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);

const readingValue: fc.Arbitrary<Tree> = fc.oneof(
  { weight: 10, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 6, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Tree>(
      new Raw('1e400'), new Raw('-1e400'), new Raw('-0'), new Raw('1E2'), new Raw('1.0'), new Raw('5e-324'), new Raw('1e-400'),
      'NaN', 'Infinity', '-Infinity', '3.5', null, true, false, [], [1], new Obj([]), new Obj([['v', 1]]),
    ),
  },
);

const manyReadings = fc.integer({ min: 62, max: 66 }).map((n) => new Obj(Array.from({ length: n }, (_, i) => [`c${i}`, i / 4] as const)));

const readingsField: fc.Arbitrary<Field> = fc.oneof(
  { weight: 8, arbitrary: fc.array(fc.tuple(channelKey, readingValue), { minLength: 1, maxLength: 5 }).map((e) => new Obj(e)) },
  { weight: 1, arbitrary: manyReadings },
  { weight: 1, arbitrary: fc.constantFrom<Field>(OMIT, null, [], [1, 2], 'ch4', 3.5, new Obj([]), true) },
);

function bounded(min: number, max: number): fc.Arbitrary<Tree> {
  return fc.oneof(
    fc.integer({ min: min - 5, max: max + 5 }),
    fc.double({ min: min - 1, max: max + 1, noNaN: true }),
    fc.constantFrom<Tree>(min, max, min - 1, max + 1, max + 1e-9, new Raw('-0'), new Raw('1e400'), String(max), null, true),
  );
}

const metaText = (max: number): fc.Arbitrary<Tree> =>
  fc.oneof(fc.string({ maxLength: max + 2 }), fc.constantFrom<Tree>('v'.repeat(max), 'v'.repeat(max + 1), '厨'.repeat(max), '\u{1F525}'.repeat(32), '\u{1F525}'.repeat(33)));

const faultList: fc.Arbitrary<Tree> = fc.oneof(
  fc.array(metaText(64), { maxLength: 4 }),
  fc.integer({ min: 15, max: 17 }).map((n) => Array.from({ length: n }, (_, i) => `f${i}`)),
  fc.constantFrom<Tree>('sensor_open', [1], [null], null, new Obj([]), []),
);

const metaField: fc.Arbitrary<Field> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Field>(OMIT) },
  {
    weight: 5,
    arbitrary: fc
      .record(
        {
          battery: bounded(0, 100),
          rssi: bounded(-200, 50),
          fault: faultList,
          fw: fc.oneof(metaText(64), fc.constantFrom<Tree>(5, null)),
          vendor: fc.constantFrom<Tree>('acme', new Obj([['x', new Obj([['y', [1, 2]]])]]), null),
          reserved: fc.tuple(fc.constantFrom(...RESERVED), fc.constantFrom<Tree>(1, new Obj([['polluted', 'yes']]))),
        },
        { requiredKeys: [] },
      )
      .chain((m) => fc.shuffledSubarray(Object.entries(m), { minLength: Object.keys(m).length }))
      // `reserved` stands for one of the names that must send the message to the schema path.
      .map((entries) => new Obj(entries.map(([k, v]) => (k === 'reserved' ? (v as [string, Tree]) : ([k, v] as [string, Tree]))))),
  },
  { weight: 1, arbitrary: fc.constantFrom<Field>(null, [], 5, 'low battery', true, new Obj([])) },
);

const extraField: fc.Arbitrary<readonly (readonly [string, Tree])[]> = fc.oneof(
  { weight: 6, arbitrary: fc.constant([]) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<(readonly [string, Tree])[]>(
      [['firmware', 'x']],
      [['__proto__', new Obj([['polluted', 'yes']])]],
      [['constructor', 1]],
      [['seq', 7]],
      [['readings', new Obj([['ch4', 1]])]],
      [['ts', 'later']],
      [['hasOwnProperty', 1]],
    ),
  },
);

interface Case {
  readonly bytes: Uint8Array;
  readonly limits: DecodeLimits;
  readonly label: string;
}

const style = fc.record({ escapeKeys: fc.boolean(), spaced: fc.boolean() });

// Valid values of each field, so a message can carry its near misses in one field at a time.
const validTs = (limits: DecodeLimits): fc.Arbitrary<Field> => {
  const [lo, hi] = [NOW_MS - limits.maxAgeMs, NOW_MS + limits.maxFutureMs];
  return fc.oneof(
    fc.integer({ min: lo, max: hi }),
    fc.tuple(fc.integer({ min: lo, max: hi }), fc.constantFrom(0, 480, -300)).map(([ms, offset]) => iso(ms, offset, '')),
  );
};
const validSeq: fc.Arbitrary<Field> = fc.oneof(fc.nat(), fc.constant(MAX_SAFE));
const validReadings: fc.Arbitrary<Field> = fc.oneof(
  fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).filter((k) => !(RESERVED as readonly string[]).includes(k)), fc.double({ noNaN: true, noDefaultInfinity: true })), { minLength: 1, maxLength: 5 }).map((e) => new Obj(e)),
  fc.constant(new Obj(Array.from({ length: 64 }, (_, i) => [`c${i}`, i] as const))),
);
const validMeta: fc.Arbitrary<Field> = fc.oneof(
  fc.constant<Field>(OMIT),
  fc
    .record({ battery: fc.integer({ min: 0, max: 100 }), rssi: fc.integer({ min: -200, max: 50 }), fault: fc.array(fc.string({ maxLength: 64 }), { maxLength: 16 }), fw: fc.string({ maxLength: 64 }) }, { requiredKeys: [] })
    .map((m) => new Obj(Object.entries(m).reverse())),
);

/** A message built field by field: valid, or with near misses in one field or in all of them. */
const structured: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom(...LIMITS), fc.constantFrom('none', 'ts', 'seq', 'readings', 'meta', 'all')).chain(([limits, wrong]) =>
  fc
    .tuple(
      wrong === 'ts' || wrong === 'all' ? tsField(limits) : validTs(limits),
      wrong === 'seq' || wrong === 'all' ? seqField : validSeq,
      wrong === 'readings' || wrong === 'all' ? readingsField : validReadings,
      wrong === 'meta' || wrong === 'all' ? metaField : validMeta,
      extraField,
      style,
      fc.integer({ min: 0, max: 4 }),
    )
    .map(([ts, seq, readings, meta, extra, s, extraAt]) => {
      const fields: (readonly [string, Field])[] = [['ts', ts], ['seq', seq], ['readings', readings], ['meta', meta]];
      fields.splice(extraAt, 0, ...extra);
      const text = write(obj(fields), s);
      return { bytes: Buffer.from(text, 'utf8'), limits, label: text };
    }),
);

/** Anything at all: random JSON, random text, random bytes, and the hostile-input classes of tests/faults. */
const junk: fc.Arbitrary<Case> = fc.oneof(
  fc.json({ maxDepth: 3 }).map((text) => ({ bytes: Buffer.from(text), limits: DEFAULT_DECODE_LIMITS, label: text })),
  fc.string({ unit: 'binary', maxLength: 80 }).map((text) => ({ bytes: Buffer.from(text), limits: DEFAULT_DECODE_LIMITS, label: text })),
  fc.uint8Array({ maxLength: 80 }).map((bytes) => ({ bytes, limits: DEFAULT_DECODE_LIMITS, label: Buffer.from(bytes).toString('hex') })),
  fc.constantFrom(...Object.values(badArbitraries(() => NOW_MS))).chain((arb) => arb).map((m) => ({ bytes: m.payload, limits: DEFAULT_DECODE_LIMITS, label: m.cls })),
);

/** Deep-equal (with -0 ≠ 0) and the same key order: the journal stores readings and meta as JSON text. */
function expectSame(fast: DecodeResult, slow: DecodeResult, label: string): void {
  // node's check first: vitest's matchers cost milliseconds per call over thousands of runs.
  if (isDeepStrictEqual(fast, slow) && JSON.stringify(fast) === JSON.stringify(slow)) return;
  expect(fast, label).toStrictEqual(slow);
  expect(JSON.stringify(fast), label).toBe(JSON.stringify(slow));
}

describe('decodeTelemetry (fast path + schema) against the schema alone', () => {
  it('returns the same result for valid messages and near misses', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(structured, ({ bytes, limits, label }) => {
        const slow = decodeTelemetrySlow(bytes, NOW_MS, limits);
        expectSame(decodeTelemetry(bytes, NOW_MS, limits), slow, label);
        if (slow.ok) accepted++;
        else rejected++;
      }),
      { numRuns: 4000 },
    );
    // The generator must reach both sides, or the property says little.
    expect(accepted).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  });

  it('returns the same result for random JSON, text, bytes and hostile input', () => {
    fc.assert(
      fc.property(junk, ({ bytes, limits, label }) => {
        expectSame(decodeTelemetry(bytes, NOW_MS, limits), decodeTelemetrySlow(bytes, NOW_MS, limits), label.slice(0, 300));
      }),
      { numRuns: 1500 },
    );
  });

  it('returns the same result for every payload fixture, good and bad', () => {
    const cases = (['good', 'bad'] as const).flatMap((folder) =>
      readdirSync(`${FIXTURES}${folder}`)
        .filter((f) => f.endsWith('.json'))
        .map((f) => [`${folder}/${f}`, fixtureBytes(JSON.parse(readFileSync(`${FIXTURES}${folder}/${f}`, 'utf8')) as Fixture)] as const),
    );
    expect(cases.length).toBeGreaterThan(60);
    for (const [name, bytes] of cases) expectSame(decodeTelemetry(bytes, NOW_MS), decodeTelemetrySlow(bytes, NOW_MS), name);
  });
});

describe('the fast path itself', () => {
  const common: Record<string, string> = {
    kitchen: '{"ts":1795334340000,"seq":1042,"readings":{"ch4":3.5,"co":12}}',
    'iso ts with offset': '{"ts":"2026-11-22T15:59:00.250+08:00","seq":7,"readings":{"ch4":0}}',
    'five channels and meta': '{"ts":1795334340000,"seq":1,"readings":{"ch4":1.5,"co":4,"o2":20.9,"h2s":0,"lpg":-0.25},"meta":{"rssi":-71,"battery":87,"fault":["sensor_open"],"fw":"2.1.0","vendor":"acme"}}',
    '64 readings, 64-character channel': `{"ts":1795334340000,"seq":0,"readings":{${Array.from({ length: 63 }, (_, i) => `"c${i}":${i}`).join(',')},"${'x'.repeat(64)}":1}}`,
  };

  it.each(Object.entries(common))('takes the %s message without the schema', (_, text) => {
    const fast = decodeCommonShape(JSON.parse(text), NOW_MS, DEFAULT_DECODE_LIMITS);
    expect(fast).toBeDefined();
    expectSame(fast!, decodeTelemetrySlow(Buffer.from(text), NOW_MS), text);
  });

  it('builds meta in schema order without unknown keys, as the schema does', () => {
    const result = decodeTelemetry(Buffer.from(common['five channels and meta']!), NOW_MS);
    expect(result.ok && JSON.stringify(result.telemetry.meta)).toBe('{"battery":87,"rssi":-71,"fault":["sensor_open"],"fw":"2.1.0"}');
  });

  it('leaves reserved names in readings and meta to the schema path, which refuses them', () => {
    for (const text of [
      '{"ts":1795334340000,"seq":1,"readings":{"ch4":1,"\\u0063onstructor":2}}',
      '{"ts":1795334340000,"seq":1,"readings":{"ch4":1},"meta":{"\\u005f_proto__":{"polluted":1}}}',
    ]) {
      expect(decodeCommonShape(JSON.parse(text), NOW_MS, DEFAULT_DECODE_LIMITS)).toBeUndefined();
      expect(decodeTelemetry(Buffer.from(text), NOW_MS)).toMatchObject({ ok: false, reason: 'forbidden_key' });
    }
  });
});

// ---- the fixture format of telemetry.test.ts (payload + padToBytes, payloadBase64, generate)

interface Fixture {
  readonly payload?: string;
  readonly padToBytes?: number;
  readonly payloadBase64?: string;
  readonly generate?: { readonly char: string; readonly bytes: number };
}

function fixtureBytes(f: Fixture): Uint8Array {
  if (f.payloadBase64 !== undefined) return Buffer.from(f.payloadBase64, 'base64');
  if (f.generate !== undefined) return Buffer.from(f.generate.char.repeat(f.generate.bytes), 'utf8');
  const text = Buffer.from(f.payload ?? '', 'utf8');
  if (f.padToBytes === undefined) return text;
  const padded = Buffer.alloc(f.padToBytes, 0x20);
  text.copy(padded);
  return padded;
}
