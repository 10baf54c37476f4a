// The line-protocol encoder: escaping per the InfluxDB reference, checked by a small reference
// parser over random tag values and string fields (property tests), and refusals for what line
// protocol cannot carry. Read-back against a real influxd: tests/integration/store/influx-line-protocol.test.ts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alarmEventLine, encodePoint, float, int, LineProtocolError, readingLine, str } from '../../../../gateway/src/store/influx/line-protocol.js';

/**
 * A reference reader of one line, after InfluxDB 1.x models/points.go: in the measurement, tags
 * and keys a separator counts unless the character before it is a backslash, and unescaping
 * replaces `\,` `\=` `\ ` only; inside a quoted string field a backslash escapes the next character.
 */
function parseLine(line: string): { measurement: string; tags: Record<string, string>; fields: Record<string, string>; ts: string } {
  const splitPlain = (s: string, sep: string): string[] => {
    const out: string[] = [];
    let from = 0;
    for (let i = 0; i < s.length; i++) {
      if (s[i] === sep && (i === 0 || s[i - 1] !== '\\')) {
        out.push(s.slice(from, i));
        from = i + 1;
      }
    }
    out.push(s.slice(from));
    return out;
  };
  const unescapeKey = (s: string): string => s.replace(/\\([,= ])/g, '$1');
  const [head, ...restParts] = splitPlain(line, ' ');
  const rest = restParts.join(' ');
  // Fields: split on commas and the final space outside quoted strings.
  const fieldParts: string[] = [];
  let cur = '';
  let quoted = false;
  let ts = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (quoted && c === '\\') {
      cur += c + rest[++i]!;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && c === ',' && rest[i - 1] !== '\\') {
      fieldParts.push(cur);
      cur = '';
      continue;
    }
    if (!quoted && c === ' ') {
      ts = rest.slice(i + 1);
      break;
    }
    cur += c;
  }
  fieldParts.push(cur);
  const [measurement, ...tagPairs] = splitPlain(head!, ',');
  const tags: Record<string, string> = {};
  for (const pair of tagPairs) {
    const kv = splitPlain(pair, '=');
    expect(kv).toHaveLength(2);
    tags[unescapeKey(kv[0]!)] = unescapeKey(kv[1]!);
  }
  const fields: Record<string, string> = {};
  for (const pair of fieldParts) {
    const eq = pair.indexOf('=');
    const raw = pair.slice(eq + 1);
    fields[unescapeKey(pair.slice(0, eq))] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(["\\])/g, '$1') : raw;
  }
  return { measurement: measurement!.replace(/\\([, ])/g, '$1'), tags, fields, ts };
}

/** Tag values line protocol can carry: no line break, no trailing backslash, not empty. */
const tagValue = fc.string({ minLength: 1, maxLength: 20, unit: fc.constantFrom('a', 'Z', '0', ',', '=', ' ', '\\', '"', "'", 'ü', '漏', '-', '_') }).filter((s) => !s.endsWith('\\'));

describe('line protocol', () => {
  it('writes a reading as measurement, sorted tags, float value, integer seq and ms time', () => {
    expect(readingLine({ site: 'k1', device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', value: 3.5, seq: 1042, tsMs: 1_700_000_000_123 })).toBe(
      'reading,channel=ch4,device=gas-01,quantity=methane_lel,site=k1 seq=1042i,value=3.5 1700000000123',
    );
    // An integral reading is still a float field (no `i`), so a later 3.5 cannot conflict with it.
    expect(readingLine({ site: 'k1', device: 'd', channel: 'c', quantity: 'q', value: 12, seq: 1, tsMs: 5 })).toMatch(/ seq=1i,value=12 5$/);
  });

  it('escapes commas, spaces and equals signs in tags, and quotes and backslashes in strings', () => {
    const line = encodePoint({ measurement: 'a b,c', tags: { 't k': 'v,1=2 x' }, fields: { 'f=k': str('say "hi" \\ there') }, tsMs: 1 });
    expect(line).toBe('a\\ b\\,c,t\\ k=v\\,1\\=2\\ x f\\=k="say \\"hi\\" \\\\ there" 1');
  });

  it('round-trips any carriable tag value and string field through a reference parser', () => {
    fc.assert(
      fc.property(tagValue, tagValue, fc.string({ maxLength: 30 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 2 ** 40 }), (site, channel, note, value, tsMs) => {
        const line = encodePoint({ measurement: 'reading', tags: { site, channel }, fields: { value: float(value), note: str(note), seq: int(7) }, tsMs });
        const p = parseLine(line);
        expect(p.measurement).toBe('reading');
        expect(p.tags).toEqual({ channel, site });
        expect(Number(p.fields.value)).toBe(value === 0 ? 0 : value);
        expect(p.fields.note).toBe(note);
        expect(p.fields.seq).toBe('7i');
        expect(p.ts).toBe(String(tsMs));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what line protocol cannot carry, with the reason', () => {
    const point = (tags: Record<string, string>, value = 1) => () => encodePoint({ measurement: 'm', tags, fields: { value: float(value) }, tsMs: 1 });
    expect(point({ site: 'a\nb' })).toThrow(LineProtocolError);
    expect(point({ site: 'ends\\' })).toThrow(/backslash/);
    expect(point({ site: 'x' }, Number.NaN)).toThrow(/finite/);
    expect(point({ site: 'x' }, Number.POSITIVE_INFINITY)).toThrow(/finite/);
    expect(() => encodePoint({ measurement: 'm', tags: {}, fields: { seq: int(1.5) }, tsMs: 1 })).toThrow(/integer/);
    expect(() => encodePoint({ measurement: 'm', tags: {}, fields: {}, tsMs: 1 })).toThrow(/no field/);
    expect(() => encodePoint({ measurement: 'm', tags: {}, fields: { v: float(1) }, tsMs: 1.5 })).toThrow(/timestamp/);
  });

  it('writes readings on the fast path exactly as the general encoder does', () => {
    fc.assert(
      fc.property(tagValue, tagValue, tagValue, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 2 ** 40 }), (site, device, channel, value, tsMs) => {
        const r = { site, device, channel, quantity: 'methane_lel', value, seq: 3, tsMs };
        expect(readingLine(r)).toBe(encodePoint({ measurement: 'reading', tags: { site, device, channel, quantity: r.quantity }, fields: { value: float(value), seq: int(3) }, tsMs }));
      }),
    );
    expect(() => readingLine({ site: 'a\nb', device: 'd', channel: 'c', quantity: 'q', value: 1, seq: 1, tsMs: 1 })).toThrow(LineProtocolError);
    expect(() => readingLine({ site: 's', device: 'd', channel: 'c', quantity: 'q', value: Number.NaN, seq: 1, tsMs: 1 })).toThrow(/finite/);
  });

  it('leaves out empty tags and absent fields of an alarm event', () => {
    const line = alarmEventLine({ eventId: 9, alarmId: 'a-1', site: 'k1', device: 'g', channel: 'ch4', quantity: 'methane_lel', rule: 'kitchen-methane', kind: 'acked', level: 'red', fromLevel: null, state: 'active_acked', value: null, actor: 'li', note: null, atMs: 42 });
    expect(line).toBe('alarm_event,channel=ch4,device=g,kind=acked,level=red,quantity=methane_lel,rule=kitchen-methane,site=k1 actor="li",alarm_id="a-1",event_id=9i,state="active_acked" 42');
  });
});
