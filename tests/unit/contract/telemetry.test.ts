// The telemetry contract (docs/device-protocol.md, Telemetry), driven by data: every file under
// tests/fixtures/payloads/bad/ must be refused with its reason, every file under good/ accepted.
// Adding a fixture adds a case. A fixture holds the bytes to send in one of three ways:
//   "payload": a string, sent as its UTF-8 bytes (optionally "padToBytes": N appends JSON
//              whitespace up to exactly N bytes, for the size limit);
//   "payloadBase64": raw bytes that are not valid UTF-8 text;
//   "generate": { "kind": "repeat", "char": "a", "bytes": 20000 } for bulk.
// bad/ fixtures carry "reason" (a RejectReason); good/ ones "expect" (fields of the decoded
// Telemetry compared exactly; null stands for absent).

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeTelemetry, decodeTelemetryObject, MAX_PAYLOAD_BYTES, type RejectReason } from '../../../gateway/src/contract/telemetry.js';

/** The gateway clock every fixture is written against. */
const NOW_MS = Date.parse('2026-11-22T08:00:00Z');
const FIXTURES = fileURLToPath(new URL('../../fixtures/payloads/', import.meta.url));

interface Fixture {
  readonly payload?: string;
  readonly padToBytes?: number;
  readonly payloadBase64?: string;
  readonly generate?: { readonly kind: 'repeat'; readonly char: string; readonly bytes: number };
  readonly reason?: RejectReason;
  readonly expect?: Record<string, unknown>;
}

// Every reason code, so the fixture set is checked for covering each one.
const ALL_REASONS = {
  too_large: true, not_utf8: true, invalid_json: true, forbidden_key: true, not_object: true, bad_ts: true,
  ts_in_future: true, ts_too_old: true, bad_seq: true, bad_readings: true, no_readings: true,
  too_many_readings: true, bad_channel: true, not_finite: true, bad_meta: true,
} satisfies Record<RejectReason, true>;

function load(folder: 'bad' | 'good'): [name: string, fixture: Fixture][] {
  const dir = `${FIXTURES}${folder}/`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(dir + f, 'utf8')) as Fixture]);
}

function bytesOf(name: string, f: Fixture): Uint8Array {
  if (f.payloadBase64 !== undefined) return Buffer.from(f.payloadBase64, 'base64');
  if (f.generate !== undefined) {
    if (f.generate.kind !== 'repeat') throw new Error(`${name}: unknown generate kind ${String(f.generate.kind)}`);
    return new TextEncoder().encode(f.generate.char.repeat(f.generate.bytes));
  }
  if (f.payload === undefined) throw new Error(`${name}: needs payload, payloadBase64 or generate`);
  const text = new TextEncoder().encode(f.payload);
  if (f.padToBytes === undefined) return text;
  if (f.padToBytes < text.byteLength) throw new Error(`${name}: payload is already longer than padToBytes`);
  const padded = new Uint8Array(f.padToBytes).fill(0x20); // spaces: legal JSON whitespace
  padded.set(text);
  return padded;
}

const bad = load('bad');
const good = load('good');

describe('bad telemetry fixtures', () => {
  it('has at least 24 fixtures covering every reject reason', () => {
    expect(bad.length).toBeGreaterThanOrEqual(24);
    const covered = new Set(bad.map(([, f]) => f.reason));
    expect(Object.keys(ALL_REASONS).filter((r) => !covered.has(r as RejectReason))).toEqual([]);
  });

  it.each(bad)('refuses %s', (name, fixture) => {
    expect(Object.keys(ALL_REASONS), `${name}: unknown reason`).toContain(fixture.reason);
    const result = decodeTelemetry(bytesOf(name, fixture), NOW_MS);
    expect(result.ok ? 'accepted' : result.reason).toBe(fixture.reason);
    if (!result.ok) expect(result.detail.length).toBeGreaterThan(0);
  });
});

describe('good telemetry fixtures', () => {
  it.each(good)('accepts %s', (name, fixture) => {
    const result = decodeTelemetry(bytesOf(name, fixture), NOW_MS);
    expect(result.ok ? 'accepted' : `${result.reason}: ${result.detail}`).toBe('accepted');
    if (!result.ok) return;
    for (const [key, value] of Object.entries(fixture.expect ?? {})) {
      expect(result.telemetry[key as keyof typeof result.telemetry], `${name}: ${key}`).toEqual(value ?? undefined);
    }
  });

  it('accepts a payload of exactly the size limit and refuses one byte more', () => {
    const [, fixture] = good.find(([name]) => name === 'exactly-16384-bytes')!;
    expect(bytesOf('exactly-16384-bytes', fixture).byteLength).toBe(MAX_PAYLOAD_BYTES);
    expect(decodeTelemetry(bytesOf('', { ...fixture, padToBytes: MAX_PAYLOAD_BYTES + 1 }), NOW_MS)).toMatchObject({ ok: false, reason: 'too_large' });
  });
});

describe('decoding parsed JSON from other ingresses', () => {
  it('refuses an own __proto__ key in readings, which JSON.parse creates', () => {
    const json: unknown = JSON.parse('{"ts":"2026-11-22T07:59:00Z","seq":1,"readings":{"__proto__":5,"ch4":3.5}}');
    expect(decodeTelemetryObject(json, NOW_MS)).toMatchObject({ ok: false, reason: 'forbidden_key' });
  });

  it('refuses constructor and prototype as channel or meta keys', () => {
    for (const payload of [
      { ts: NOW_MS, seq: 1, readings: { constructor: 1 } },
      { ts: NOW_MS, seq: 1, readings: { ch4: 1 }, meta: { prototype: 1 } },
    ]) {
      expect(decodeTelemetryObject(payload, NOW_MS)).toMatchObject({ ok: false, reason: 'forbidden_key' });
    }
  });

  it('applies the skew limits it is given', () => {
    const payload = { ts: NOW_MS + 10_000, seq: 1, readings: { ch4: 3.5 } };
    expect(decodeTelemetryObject(payload, NOW_MS)).toMatchObject({ ok: true });
    expect(decodeTelemetryObject(payload, NOW_MS, { maxFutureMs: 5_000, maxAgeMs: 60_000 })).toMatchObject({ ok: false, reason: 'ts_in_future' });
    expect(decodeTelemetryObject({ ...payload, ts: NOW_MS - 61_000 }, NOW_MS, { maxFutureMs: 5_000, maxAgeMs: 60_000 })).toMatchObject({ ok: false, reason: 'ts_too_old' });
  });
});
