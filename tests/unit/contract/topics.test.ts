// The topic contract (docs/device-protocol.md, Topics): every topic kind builds and parses back to the same ids,
// and anything that is not one of ours is refused with a reason that says what was wrong.

import { describe, expect, it } from 'vitest';
import type { DeviceId, DeviceRef, SiteId } from '../../../gateway/src/contract/ids.js';
import { makeTopics, prefixProblem, type ParsedTopic, type Topics } from '../../../gateway/src/contract/topics.js';

const ref = (site: string, device: string): DeviceRef => ({ site: site as SiteId, device: device as DeviceId });
const kitchen = ref('yinchuan-bbq-07', 'gas_01');

type Kind = ParsedTopic['kind'];
const deviceBuilders: [Kind, (t: Topics, r: DeviceRef) => string, string][] = [
  ['telemetry', (t, r) => t.telemetry(r), 'telemetry'],
  ['status', (t, r) => t.status(r), 'status'],
  ['cmd', (t, r) => t.cmd(r), 'cmd'],
  ['cmd_ack', (t, r) => t.cmdAck(r), 'cmd/ack'],
];

const badIds: [label: string, id: string, reason: RegExp][] = [
  ['a plus wildcard', 'gas+01', /only A-Z/],
  ['a hash wildcard', 'gas#', /only A-Z/],
  ['a slash', 'gas/01', /only A-Z/],
  ['empty', '', /empty/],
  ['65 characters', 'x'.repeat(65), /longer than 64/],
  ['unicode', '厨房', /only A-Z/],
  ['__proto__', '__proto__', /reserved/],
];

describe('topics with the default prefix', () => {
  const topics = makeTopics();

  it.each(deviceBuilders)('builds and parses a %s topic', (kind, build, tail) => {
    const topic = build(topics, kitchen);
    expect(topic).toBe(`shaobing/yinchuan-bbq-07/gas_01/${tail}`);
    expect(topics.parse(topic)).toEqual({ ok: true, topic: { kind, site: kitchen.site, device: kitchen.device } });
  });

  it.each([
    ['order', (t: Topics, s: SiteId) => t.order(s)],
    ['alarms', (t: Topics, s: SiteId) => t.alarms(s)],
  ] as const)('builds and parses a site %s topic', (kind, build) => {
    const topic = build(topics, kitchen.site);
    expect(topic).toBe(`shaobing/yinchuan-bbq-07/${kind}`);
    expect(topics.parse(topic)).toEqual({ ok: true, topic: { kind, site: kitchen.site } });
  });

  it('builds and parses a dead-letter topic', () => {
    const topic = topics.deadletter(kitchen);
    expect(topic).toBe('shaobing/_deadletter/yinchuan-bbq-07/gas_01');
    expect(topics.parse(topic)).toEqual({ ok: true, topic: { kind: 'deadletter', site: kitchen.site, device: kitchen.device } });
  });

  it('keeps 64-character ids, the longest allowed', () => {
    const long = ref('s'.repeat(64), 'd'.repeat(64));
    expect(topics.parse(topics.cmdAck(long))).toMatchObject({ ok: true, topic: { site: long.site, device: long.device } });
  });

  it('offers subscription filters under the prefix', () => {
    expect(topics.filters).toEqual({
      telemetry: 'shaobing/+/+/telemetry',
      status: 'shaobing/+/+/status',
      cmdAck: 'shaobing/+/+/cmd/ack',
      order: 'shaobing/+/order',
      deadletter: 'shaobing/_deadletter/#',
    });
  });
});

describe('topics with a two-level custom prefix', () => {
  const topics = makeTopics('acme/shaobing');

  it.each(deviceBuilders)('builds and parses a %s topic', (kind, build, tail) => {
    const topic = build(topics, kitchen);
    expect(topic).toBe(`acme/shaobing/yinchuan-bbq-07/gas_01/${tail}`);
    expect(topics.parse(topic)).toEqual({ ok: true, topic: { kind, site: kitchen.site, device: kitchen.device } });
  });

  it('builds and parses site and dead-letter topics', () => {
    expect(topics.parse(topics.order(kitchen.site))).toEqual({ ok: true, topic: { kind: 'order', site: kitchen.site } });
    expect(topics.parse(topics.alarms(kitchen.site))).toEqual({ ok: true, topic: { kind: 'alarms', site: kitchen.site } });
    expect(topics.deadletter(kitchen)).toBe('acme/shaobing/_deadletter/yinchuan-bbq-07/gas_01');
    expect(topics.parse(topics.deadletter(kitchen))).toMatchObject({ ok: true, topic: { kind: 'deadletter' } });
    expect(topics.filters.telemetry).toBe('acme/shaobing/+/+/telemetry');
  });

  it.each(['shaobing/yinchuan-bbq-07/gas_01/telemetry', 'acme/yinchuan-bbq-07/gas_01/telemetry', 'acme/shaobingX/s/d/telemetry'])(
    'refuses %s as outside the prefix',
    (topic) => {
      expect(topics.parse(topic)).toEqual({ ok: false, reason: expect.stringContaining('outside prefix acme/shaobing') });
    },
  );
});

describe('prefixes that cannot carry topics', () => {
  it.each(['', 'a/+', '#', '$SYS', 'acme//shaobing', 'acme/'])('refuses %j', (prefix) => {
    expect(prefixProblem(prefix)).toMatch(/non-empty, without \+ # or a leading \$/);
    expect(() => makeTopics(prefix)).toThrow(TypeError);
  });

  it('accepts a two-level prefix', () => {
    expect(prefixProblem('acme/shaobing')).toBeNull();
  });
});

describe('ids that cannot be in a topic', () => {
  const topics = makeTopics();

  it.each(badIds)('building with a site id with %s throws a TypeError naming the problem', (_label, id, reason) => {
    expect(() => topics.telemetry(ref(id, 'gas_01'))).toThrow(TypeError);
    expect(() => topics.order(id as SiteId)).toThrow(reason);
    expect(() => topics.deadletter(ref(id, 'gas_01'))).toThrow(/site id/);
  });

  it.each(badIds)('building with a device id with %s throws a TypeError naming the problem', (_label, id, reason) => {
    expect(() => topics.cmd(ref('site1', id))).toThrow(TypeError);
    expect(() => topics.cmdAck(ref('site1', id))).toThrow(reason);
    expect(() => topics.status(ref('site1', id))).toThrow(/device id/);
  });

  // A slash splits the id into two levels, so parsing sees a wrong shape rather than a bad id.
  it.each(badIds.filter(([label]) => label !== 'a slash'))('parsing refuses a site id with %s', (_label, id, reason) => {
    const result = topics.parse(`shaobing/${id}/gas_01/telemetry`);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(/^site id: /);
      expect(result.reason).toMatch(reason);
    }
  });

  it.each(badIds.filter(([label]) => label !== 'a slash'))('parsing refuses a device id with %s', (_label, id, reason) => {
    for (const topic of [`shaobing/site1/${id}/status`, `shaobing/_deadletter/site1/${id}`]) {
      const result = topics.parse(topic);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(new RegExp(`^device id: ${reason.source}`));
    }
  });

  it('parsing refuses an id split by a slash as an unknown shape', () => {
    expect(topics.parse('shaobing/site1/gas/01/telemetry')).toEqual({ ok: false, reason: 'unknown topic shape' });
  });

  it('refuses to build device topics for the site id reserved for dead letters', () => {
    // Otherwise shaobing/_deadletter/gas_01/telemetry would parse as a dead letter of site gas_01.
    expect(() => topics.telemetry(ref('_deadletter', 'gas_01'))).toThrow(/reserved for dead letters/);
    expect(() => topics.order('_deadletter' as SiteId)).toThrow(TypeError);
  });
});

describe('topics that are not ours', () => {
  const topics = makeTopics();
  const refusals: [label: string, topic: string, reason: RegExp][] = [
    ['a wrong prefix', 'other/site1/gas_01/telemetry', /outside prefix shaobing/],
    ['a prefix that only starts the same', 'shaobing2/site1/gas_01/telemetry', /outside prefix shaobing/],
    ['$SYS', '$SYS/broker/clients/connected', /outside prefix/],
    ['the bare prefix', 'shaobing', /too short/],
    ['a site alone', 'shaobing/site1', /too short/],
    ['one level too many', 'shaobing/site1/gas_01/cmd/ack/extra', /unknown topic shape/],
    ['an unknown device topic', 'shaobing/site1/gas_01/events', /unknown topic shape/],
    ['an unknown site topic', 'shaobing/site1/orders', /unknown topic shape/],
    ['ack without cmd', 'shaobing/site1/gas_01/status/ack', /unknown topic shape/],
    ['a trailing slash', 'shaobing/site1/gas_01/telemetry/', /unknown topic shape/],
    ['a dead letter without device', 'shaobing/_deadletter/site1', /dead-letter topic needs site and device/],
    ['a dead letter one level too deep', 'shaobing/_deadletter/site1/gas_01/x', /dead-letter topic needs site and device/],
    ['a 600-character topic', `shaobing/site1/${'d'.repeat(580)}/telemetry`, /longer than 512/],
  ];

  it.each(refusals)('refuses %s', (_label, topic, reason) => {
    const result = topics.parse(topic);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
