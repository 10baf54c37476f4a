import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe } from '../../../broker/src/acl.js';
import type { Identity } from '../../../broker/src/auth.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { makeTopics } from '../../../gateway/src/contract/topics.js';

const topics = makeTopics('shaobing');
const site = 'kitchen-01' as SiteId;
const gas: Identity = { role: 'device', site, device: 'gas-01' as DeviceId };
const gateway: Identity = { role: 'gateway', username: 'ops' };
const own = { site, device: 'gas-01' as DeviceId };
const neighbour = { site, device: 'gas-02' as DeviceId };
const otherSite = { site: 'kitchen-02' as SiteId, device: 'gas-01' as DeviceId };

describe('canPublish for a device', () => {
  it.each([
    ['its own telemetry', topics.telemetry(own)],
    ['its own status (birth)', topics.status(own)],
    ['its own command ack', topics.cmdAck(own)],
  ])('allows %s', (_what, topic) => {
    const decision = canPublish(gas, topic, topics);
    expect(decision.ok).toBe(true);
    if (decision.ok) expect(decision.parsed).toMatchObject({ site: 'kitchen-01', device: 'gas-01' });
  });

  it.each([
    ["another device's telemetry", topics.telemetry(neighbour)],
    ["another site's telemetry", topics.telemetry(otherSite)],
    ['a command, even to itself', topics.cmd(own)],
    ["another device's command ack", topics.cmdAck(neighbour)],
    ['its site order', topics.order(site)],
    ['its site alarms', topics.alarms(site)],
    ['the dead-letter topic', topics.deadletter(own)],
    ['a topic outside the prefix', 'other/kitchen-01/gas-01/telemetry'],
    ['an unknown topic shape', 'shaobing/kitchen-01/gas-01/telemetry/extra'],
  ])('refuses %s', (_what, topic) => {
    expect(canPublish(gas, topic, topics).ok).toBe(false);
  });

  it('says who was refused what in a sentence', () => {
    expect(canPublish(gas, topics.telemetry(neighbour), topics)).toEqual({
      ok: false,
      reason: 'device kitchen-01/gas-01 may not publish to shaobing/kitchen-01/gas-02/telemetry',
    });
  });
});

describe('canSubscribe for a device', () => {
  it.each([
    ['its own command topic', topics.cmd(own)],
    ['its own site order', topics.order(site)],
  ])('allows %s', (_what, filter) => {
    expect(canSubscribe(gas, filter, topics)).toEqual({ ok: true });
  });

  it.each([
    ['#', '#'],
    ['shaobing/#', 'shaobing/#'],
    ['shaobing/+/+/cmd', 'shaobing/+/+/cmd'],
    ['a wildcard device under its own site', 'shaobing/kitchen-01/+/cmd'],
    ['a trailing # under its own device', 'shaobing/kitchen-01/gas-01/#'],
    ["another device's command", topics.cmd(neighbour)],
    ["another site's order", topics.order('kitchen-02' as SiteId)],
    ["another site's command to a same-named device", topics.cmd(otherSite)],
    ["its own site's alarms", topics.alarms(site)],
    ["another device's telemetry", topics.telemetry(neighbour)],
    ['the dead-letter tree', topics.deadletter(own)],
    ['a shared subscription', '$share/g/shaobing/kitchen-01/gas-01/cmd'],
  ])('refuses %s', (_what, filter) => {
    const decision = canSubscribe(gas, filter, topics);
    expect(decision.ok).toBe(false);
    if (!decision.ok) expect(decision.reason).toMatch(/^device kitchen-01\/gas-01 may not subscribe/);
  });
});

describe('the gateway role', () => {
  it.each([
    topics.telemetry(neighbour),
    topics.cmd(own),
    topics.order(site),
    topics.alarms(site),
    topics.deadletter(otherSite),
    'anything/else',
  ])('may publish to %s', (topic) => {
    expect(canPublish(gateway, topic, topics).ok).toBe(true);
  });

  it('gets the parsed topic when it publishes inside the tree, and null outside it', () => {
    expect(canPublish(gateway, topics.cmd(own), topics)).toEqual({ ok: true, parsed: { kind: 'cmd', site, device: 'gas-01' } });
    expect(canPublish(gateway, 'anything/else', topics)).toEqual({ ok: true, parsed: null });
  });

  it.each(['#', 'shaobing/#', 'shaobing/+/+/telemetry', topics.filters.deadletter])('may subscribe to %s', (filter) => {
    expect(canSubscribe(gateway, filter, topics)).toEqual({ ok: true });
  });
});
