// The gateway's watching parts follow fleet changes without a restart, end to end: devices log in
// to the real embedded broker (whose accounts hold them from the start; the broker's own following
// is not this test's), their readings go through the intake, the journal and the pipeline on a
// real state.db, and fleetFollowersOf's followers are told of each change as the registry would.

import { afterEach, describe, expect, it } from 'vitest';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import { siteSchema, type Config, type ConfigInput, type SiteConfig } from '../../../gateway/src/config/schema.js';
import { EventBus } from '../../../gateway/src/events.js';
import { OrderRepository } from '../../../gateway/src/orders/repository.js';
import { ingressFromConfig } from '../../../gateway/src/ingest/ingress-from-config.js';
import { PartList } from '../../../gateway/src/parts/part.js';
import { databases, journalPart } from '../../../gateway/src/parts/storage.js';
import { alarmsPart, detectionFor, notifierPart } from '../../../gateway/src/parts/alarms.js';
import { ingressPart, intakeFor, interlockFor, interlockPart, pipelineFor, type Common } from '../../../gateway/src/parts/message-path.js';
import { fleetFollowersOf } from '../../../gateway/src/parts/fleet-followers-list.js';
import { CHANNEL_REMOVED_NOTE, DEVICE_REMOVED_NOTE, REGISTRY_ACTOR } from '../../../gateway/src/alarms/alarms-follower.js';
import type { SiteChange } from '../../../gateway/src/registry/fleet.js';
import { createValve } from '../../../simulators/src/devices/valve.js';
import { createFan } from '../../../simulators/src/devices/fan.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, testConfig, testLogger } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { tempDir } from '../../support/tmp.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const undo of cleanups.splice(0).reverse()) await undo();
});

/** The broker's accounts: the demo kitchen with a second detector and valve, and a valve well. */
function brokerSites(input: ConfigInput): void {
  const kitchen = input.sites[0]!;
  const gas = kitchen.devices.find((d) => d.id === 'gas-01')!;
  const valve = kitchen.devices.find((d) => d.id === 'valve-01')!;
  kitchen.devices.push({ ...gas, id: 'gas-02', staleAfterS: 1 }, { ...valve, id: 'valve-02' });
  input.sites.push({ id: 'well-07', name: '阀门井 7 号', preset: 'valve_well', devices: [{ ...gas, id: 'w-gas' }] });
}

const without = (site: SiteConfig, ...ids: string[]): SiteConfig => siteSchema.parse({ ...site, devices: site.devices.filter((d) => !ids.includes(d.id)) });

/** The message path of startRuntime, assembled from the same parts: the broker knows `broker`, detection starts with `fleet`. */
async function start(broker: Config, fleet: Config) {
  const log = testLogger();
  const c: Common = { config: fleet, topics: makeTopics(fleet.topicPrefix), events: new EventBus(log), clock: Date.now, log };
  const parts = new PartList(log);
  cleanups.push(() => parts.stop());
  const files = await parts.add(databases(fleet));
  const alarms = await parts.add(alarmsPart(fleet, files.stateDb, c.events, c.clock, log));
  const notify = await parts.add(notifierPart(fleet, files.stateDb, alarms, c.events, c.clock, log));
  const journal = await parts.add(journalPart(fleet, files.journalDb, log));
  const detection = detectionFor(fleet, alarms.service, c.clock);
  const ingress = ingressFromConfig(broker, c.topics, c.clock, log, files.stateDb);
  const interlock = interlockFor(c, new OrderRepository(files.stateDb), alarms.service, ingress);
  const path = pipelineFor(c, detection, alarms.service, interlock);
  await parts.add(ingressPart(ingress, intakeFor(c, journal.journal, path), journal.journal));
  await parts.add(interlockPart(interlock));
  const { followers } = fleetFollowersOf({ config: fleet, detection, interlock, alarms: alarms.service, notifier: notify.notifier, events: c.events, clock: c.clock, log });
  const url = `mqtt://127.0.0.1:${ingress.port}`;
  return { ...c, url, path, alarms: alarms.service, repo: alarms.repo, interlock, apply: (changes: SiteChange[]) => followers.forEach((f) => f.follower.applySites(changes)) };
}

type Running = Awaited<ReturnType<typeof start>>;

let seq = 0;
/** Readings one second apart of reading time, ending now (past the rules' 2 s on-delay). */
async function publish(g: Running, site: string, device: string, password: string, values: number[]): Promise<void> {
  const client = await connectClient(g.url, deviceLogin(site, device, password));
  const topic = g.topics.telemetry({ site: site as never, device: device as never });
  const base = Date.now() - values.length * 1000;
  for (const [i, ch4] of values.entries()) await client.publishAsync(topic, JSON.stringify({ ts: base + i * 1000, seq: ++seq, readings: { ch4 } }), { qos: 1 });
  await client.endAsync();
}

function setup(removeFromFleet: string[]) {
  const dir = tempDir();
  cleanups.push(() => dir.remove());
  const broker = testConfig(dir.path, brokerSites);
  const kitchen = broker.sites[0]!;
  const fleet: Config = { ...broker, sites: [without(kitchen, ...removeFromFleet)] };
  return { broker, fleet, kitchen, well: broker.sites[1]! };
}

const gas01 = DEMO_PASSWORDS['gas-01'];
const alarmOf = (g: Running, device: string, ruleId: string) => g.alarms.activeAlarms().find((a) => a.device === device && a.ruleId === ruleId);

describe('the gateway follows fleet changes without a restart', () => {
  it('watches a detector added at run time (its readings raise, its silence raises stale), and closes its alarms when it is removed', async () => {
    const { broker, fleet, kitchen } = setup(['gas-02', 'valve-02']);
    const g = await start(broker, fleet);

    await publish(g, DEMO_SITE, 'gas-02', gas01, [30, 30, 30, 30]);
    await eventually(() => g.path.counts.unknownDevice >= 4, 5000, 'readings of a device not in the fleet');
    expect(g.alarms.activeAlarms()).toEqual([]);

    const withGas02 = without(kitchen, 'valve-02');
    g.apply([{ before: fleet.sites[0]!, after: withGas02 }]);
    await publish(g, DEMO_SITE, 'gas-02', gas01, [30, 30, 30, 30]);
    const orange = await eventually(() => alarmOf(g, 'gas-02', 'kitchen-methane'), 5000, 'orange methane alarm of the new detector');
    expect(orange.level).toBe('orange');

    // staleAfterS 1: silent past it, a health tick (once a second in the runtime) raises stale.
    const stale = await eventually(() => {
      g.path.tick(Date.now());
      return alarmOf(g, 'gas-02', 'stale');
    }, 4000, 'stale alarm of the new detector');
    expect(stale.level).toBe('yellow');

    const unknownBefore = g.path.counts.unknownDevice;
    g.apply([{ before: withGas02, after: fleet.sites[0]! }]);
    for (const a of [orange, stale]) {
      const closed = g.repo.get(a.id)!;
      expect(closed).toMatchObject({ state: 'closed', closedBy: REGISTRY_ACTOR, closeNote: DEVICE_REMOVED_NOTE });
      expect(g.repo.events(a.id).slice(-2).map((e) => [e.kind, e.note])).toEqual([['cleared', DEVICE_REMOVED_NOTE], ['closed', DEVICE_REMOVED_NOTE]]);
    }
    // Removed: silence raises nothing more, readings are "unknown device" again.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 300));
      g.path.tick(Date.now());
    }
    await publish(g, DEMO_SITE, 'gas-02', gas01, [30, 30, 30, 30]);
    await eventually(() => g.path.counts.unknownDevice >= unknownBefore + 4, 5000, 'unknown again');
    expect(g.alarms.activeAlarms().filter((a) => a.device === 'gas-02')).toEqual([]);
    expect(g.alarms.putOutOfService({ site: DEMO_SITE, device: 'gas-02', by: 'officer', reason: 'r', untilMs: Date.now() + 60_000 })).toMatchObject({ ok: false, rejected: 'UNKNOWN_DEVICE' });
  });

  it('closes a valve added to a site whose stop-work order is in force', async () => {
    const { broker, fleet, kitchen } = setup(['gas-02', 'valve-02']);
    const g = await start(broker, fleet);
    const common = { url: g.url, topics: g.topics, site: DEMO_SITE, actuationMs: 20 };
    const valve01 = createValve({ ...common, device: 'valve-01', password: DEMO_PASSWORDS['valve-01'] });
    const fan = createFan({ ...common, device: 'fan-01', password: DEMO_PASSWORDS['fan-01'] });
    const valve02 = createValve({ ...common, device: 'valve-02', password: DEMO_PASSWORDS['valve-01'] });
    cleanups.push(() => valve01.stop(), () => fan.stop(), () => valve02.stop());
    await Promise.all([valve01.start(), fan.start(), valve02.start()]);

    await publish(g, DEMO_SITE, 'gas-01', gas01, [70, 70, 70, 70]);
    const order = await eventually(() => g.interlock.activeOrder(DEMO_SITE)?.confirmedAtMs != null && g.interlock.activeOrder(DEMO_SITE), 5000, 'order confirmed');
    expect(order.commands.map((c) => c.device)).toEqual(['valve-01', 'fan-01']);

    g.apply([{ before: fleet.sites[0]!, after: without(kitchen, 'gas-02') }]);
    const confirmed = await eventually(() => {
      const now = g.interlock.activeOrder(DEMO_SITE)!;
      const c = now.commands.find((x) => x.device === 'valve-02');
      return c?.state === 'acked' && c.readBack === 'matched' ? c : undefined;
    }, 5000, 'the new valve closed and confirmed');
    expect(confirmed.action).toBe('close');
    expect(valve02.position).toBe('closed');
  });

  it('keeps a red alarm of a removed detector open while its stop-work order is in force; the lift is not blocked by it and closes it', async () => {
    const { broker, fleet, kitchen } = setup(['gas-02', 'valve-02']);
    const g = await start(broker, fleet);
    await publish(g, DEMO_SITE, 'gas-01', gas01, [70, 70, 70, 70]);
    const red = await eventually(() => alarmOf(g, 'gas-01', 'kitchen-methane'), 5000, 'red alarm');
    const order = await eventually(() => g.interlock.activeOrder(DEMO_SITE), 5000, 'order issued');

    g.apply([{ before: fleet.sites[0]!, after: without(kitchen, 'gas-01', 'gas-02', 'valve-02') }]);
    expect(g.alarms.get(red.id)?.state).toBe('active_unacked');
    expect(g.interlock.activeOrder(DEMO_SITE)?.id).toBe(order.id);

    expect(g.interlock.recordRectification(order.id, 'fitter-wang', '更换软管 hose replaced')?.rejected).toBeUndefined();
    expect(g.interlock.recordInspection(order.id, 'inspector-li', '验收合格 passed')?.rejected).toBeUndefined();
    expect(g.interlock.lift(order.id, 'officer-zhou', '复工')?.rejected).toBeUndefined();
    expect(g.repo.get(red.id)).toMatchObject({ state: 'closed', closedBy: REGISTRY_ACTOR });
    expect(g.repo.get(red.id)?.closeNote).toContain('removed from the registry');
  });

  it('closes the alarms of a channel removed from a detector that stays, and watches its other channels still', async () => {
    const { broker, fleet } = setup(['valve-02']);
    const g = await start(broker, fleet);
    await publish(g, DEMO_SITE, 'gas-02', gas01, [30, 30, 30, 30]);
    const orange = await eventually(() => alarmOf(g, 'gas-02', 'kitchen-methane'), 5000, 'orange methane alarm');
    const coOnly = siteSchema.parse({ ...fleet.sites[0]!, devices: fleet.sites[0]!.devices.map((d) => (d.id === 'gas-02' ? { ...d, channels: { co: { quantity: 'co_ppm' } } } : d)) });
    g.apply([{ before: fleet.sites[0]!, after: coOnly }]);
    expect(g.repo.get(orange.id)).toMatchObject({ state: 'closed', closedBy: REGISTRY_ACTOR, closeNote: CHANNEL_REMOVED_NOTE });
    // The co channel is still watched for silence (staleAfterS 1); ch4 no longer is.
    const stale = await eventually(() => {
      g.path.tick(Date.now());
      const found = g.alarms.activeAlarms().filter((a) => a.device === 'gas-02' && a.ruleId === 'stale');
      return found.length > 0 && found;
    }, 4000, 'stale of the channel that stays');
    await new Promise((r) => setTimeout(r, 1200));
    g.path.tick(Date.now());
    expect(stale.map((a) => a.channel)).toEqual(['co']);
    expect(g.alarms.activeAlarms().filter((a) => a.device === 'gas-02' && a.channel === 'ch4')).toEqual([]);
  });

  it('gives a preset site added at run time its preset rules', async () => {
    const { broker, fleet, well } = setup(['gas-02', 'valve-02']);
    const g = await start(broker, fleet);
    g.apply([{ before: undefined, after: well }]);
    await publish(g, 'well-07', 'w-gas', gas01, [70, 70, 70, 70]);
    const alarm = await eventually(() => alarmOf(g, 'w-gas', 'valve-well-methane'), 5000, 'valve-well rule');
    expect(alarm.level).toBe('red');
    // The valve-well preset does not stop work (no local shut-off to trip).
    expect(g.interlock.activeOrder('well-07')).toBeUndefined();
  });
});
