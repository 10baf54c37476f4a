// Topics.parse compares the prefix without splitting and joining it; this holds it to the
// split-and-join parse it replaced, for every topic under one-, two- and three-level prefixes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idProblem, type DeviceId, type SiteId } from '../../../gateway/src/contract/ids.js';
import { DEADLETTER, makeTopics, type TopicParse } from '../../../gateway/src/contract/topics.js';

/** The parse as it was before that change, kept here as the reference. */
function referenceParse(prefix: string, topic: string): TopicParse {
  const depth = prefix.split('/').length;
  const device = (kind: 'telemetry' | 'status' | 'cmd' | 'cmd_ack' | 'deadletter', siteId: string, deviceId: string): TopicParse => {
    const siteProblem = idProblem(siteId);
    if (siteProblem) return { ok: false, reason: `site id: ${siteProblem}` };
    const deviceProblem = idProblem(deviceId);
    if (deviceProblem) return { ok: false, reason: `device id: ${deviceProblem}` };
    return { ok: true, topic: { kind, site: siteId as SiteId, device: deviceId as DeviceId } };
  };
  if (topic.length > 512) return { ok: false, reason: 'topic longer than 512 characters' };
  const parts = topic.split('/');
  if (parts.slice(0, depth).join('/') !== prefix) return { ok: false, reason: `topic outside prefix ${prefix}` };
  const rest = parts.slice(depth);
  if (rest[0] === DEADLETTER) {
    if (rest.length !== 3) return { ok: false, reason: 'dead-letter topic needs site and device' };
    return device('deadletter', rest[1]!, rest[2]!);
  }
  const [siteId, second, third, fourth] = rest;
  if (siteId === undefined || second === undefined) return { ok: false, reason: 'topic too short' };
  if (rest.length === 2 && (second === 'order' || second === 'alarms')) {
    const problem = idProblem(siteId);
    if (problem) return { ok: false, reason: `site id: ${problem}` };
    return { ok: true, topic: { kind: second, site: siteId as SiteId } };
  }
  if (rest.length === 3 && (third === 'telemetry' || third === 'status' || third === 'cmd')) return device(third, siteId, second);
  if (rest.length === 4 && third === 'cmd' && fourth === 'ack') return device('cmd_ack', siteId, second);
  return { ok: false, reason: 'unknown topic shape' };
}

const PREFIXES = ['shaobing', 'acme/shaobing', 'a/b/c'] as const;

const level = fc.oneof(
  fc.constantFrom(
    'shaobing', 'acme', 'a', 'b', 'c', 'ab', 'site1', 'gas-01', 'telemetry', 'status', 'cmd', 'ack', 'order', 'alarms',
    DEADLETTER, '', '+', '#', 'x y', '厨房', 'constructor', 'x'.repeat(64), 'x'.repeat(65), 'shaobing2',
  ),
  fc.string({ maxLength: 5 }),
);

const id = fc.oneof(fc.constantFrom('site1', 'gas-01', 'x'.repeat(64), 'x'.repeat(65), 'constructor', ''), fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/));
const shaped = (prefix: string): fc.Arbitrary<string> =>
  fc
    .tuple(id, id, fc.constantFrom('telemetry', 'status', 'cmd', 'cmd/ack', 'order', 'alarms', 'dl'))
    .map(([site, device, tail]) => (tail === 'dl' ? `${prefix}/${DEADLETTER}/${site}/${device}` : tail === 'order' || tail === 'alarms' ? `${prefix}/${site}/${tail}` : `${prefix}/${site}/${device}/${tail}`));

const topic = (prefix: string): fc.Arbitrary<string> => fc.oneof(
  { weight: 4, arbitrary: shaped(prefix) },
  { weight: 4, arbitrary: fc.array(level, { maxLength: 4 }).map((levels) => [prefix, ...levels].join('/')) },
  { weight: 4, arbitrary: fc.array(level, { maxLength: 7 }).map((levels) => levels.join('/')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 505, max: 520 }).map((n) => `shaobing/site1/${'d'.repeat(n - 25)}/telemetry`) },
);

describe('Topics.parse', () => {
  it('returns what the split-and-join parse returned, for any topic and prefix', () => {
    const topicsOf = Object.fromEntries(PREFIXES.map((p) => [p, makeTopics(p)]));
    let parsed = 0;
    fc.assert(
      fc.property(fc.constantFrom(...PREFIXES).chain((p) => fc.tuple(fc.constant(p), topic(p))), ([prefix, t]) => {
        const result = topicsOf[prefix]!.parse(t);
        expect(result, t).toEqual(referenceParse(prefix, t));
        if (result.ok) parsed++;
      }),
      { numRuns: 5000 },
    );
    expect(parsed).toBeGreaterThan(250);
  });

  it('tells the prefix itself and a longer first level from topics under the prefix', () => {
    const topics = makeTopics('acme/shaobing');
    expect(topics.parse('acme/shaobing')).toEqual({ ok: false, reason: 'topic too short' });
    expect(topics.parse('acme/shaobing/')).toEqual({ ok: false, reason: 'topic too short' });
    expect(topics.parse('acme/shaobing2/site1/gas-01/telemetry')).toEqual({ ok: false, reason: 'topic outside prefix acme/shaobing' });
    expect(topics.parse('acme/shaobing/site1/gas-01/telemetry')).toEqual({ ok: true, topic: { kind: 'telemetry', site: 'site1', device: 'gas-01' } });
  });
});
