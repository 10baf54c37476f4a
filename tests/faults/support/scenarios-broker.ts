// Broker restart under load. Embedded: aedes lives in the gateway process, so the broker restart
// is the gateway stopping and starting on the same data directory and port (aedes keeps sessions
// and retained messages in memory: the gateway must republish the open order). External: a real
// Mosquitto with persistence stopped and started on the same port, the gateway on a persistent
// session. Devices and gateway reconnect by themselves in both.

import { randomBytes } from 'node:crypto';
import { DeviceFleet, SimulatedValve } from './load.js';
import { freePort } from '../../support/process.js';
import {
  countAlarms,
  detectorLogins,
  faultSite,
  firstReceivedAfter,
  leakReadings,
  loadLabel,
  missingFromSqliteStore,
  say,
  sleep,
  SITE,
  until,
  VALVE_LOGIN,
  type ScenarioOptions,
  type ScenarioRow,
} from './scenarios-common.js';
import { startTestGateway, testConfig, type TestGateway } from '../../support/gateway.js';
import { collect, connectClient } from '../../support/mqtt.js';
import { startMosquitto } from '../../support/mosquitto.js';
import { tempDir } from '../../support/tmp.js';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import type { SiteId } from '../../../gateway/src/contract/ids.js';
import { siteOrderSchema, parseJson, type SiteOrder } from '../../../gateway/src/contract/command.js';

const topics = makeTopics();

/** What a device that connects now (clean session, new client id) finds retained on its site's order topic. */
export async function retainedOrder(url: string, login: { username: string; password: string }): Promise<SiteOrder | null> {
  const client = await connectClient(url, { ...login, clientId: `fresh-${randomBytes(4).toString('hex')}`, clean: true });
  try {
    const seen = await collect(client, topics.order(SITE as SiteId));
    const message = await until(() => seen.messages.find((m) => m.retain), 3000, 'the retained order').catch(() => null);
    if (!message) return null;
    const parsed = parseJson(siteOrderSchema, message.payload);
    return parsed.ok ? parsed.value : null;
  } finally {
    await client.endAsync(true);
  }
}

async function redOrderAcked(gateway: TestGateway): Promise<string> {
  const order = await until(() => {
    const o = gateway.interlock.activeOrder(SITE);
    return o && o.commands.length > 0 && o.commands.every((c) => c.state === 'acked') ? o : undefined;
  }, 15_000, 'a stop-work order with its valve command acknowledged');
  return order.id;
}

/** (a) the embedded broker: the gateway stopped with it and started again on the same data directory. */
export async function brokerRestartEmbedded(o: ScenarioOptions): Promise<ScenarioRow> {
  const dir = tempDir('shaobing-fault-aedes-');
  const port = await freePort();
  const config = testConfig(dir.path, (c) => {
    faultSite(c, o.devices);
    c.broker = { ...c.broker, port };
    c.api = { ...c.api, enabled: false };
  });
  const url = `mqtt://127.0.0.1:${port}`;
  let gateway: TestGateway | null = await startTestGateway(config);
  const fleet = new DeviceFleet({ url, devices: detectorLogins(o.devices), ratePerS: o.ratePerS, readings: leakReadings(() => true) });
  const valve = new SimulatedValve(url, VALVE_LOGIN);
  try {
    await valve.start();
    await fleet.start();
    const orderId = await redOrderAcked(gateway);
    say(o, `aedes: order ${orderId} issued and acked; steady load`);
    await sleep(o.steadyMs);
    const runtime = gateway;
    gateway = null;
    await runtime.stop();
    say(o, `aedes: gateway and broker stopped for ${o.faultMs} ms`);
    await sleep(o.faultMs);
    const faultEndMs = Date.now(); // recovery counts the start itself
    gateway = await startTestGateway(config);
    say(o, 'aedes: started again');
    await sleep(o.steadyMs);
    fleet.pause();
    await fleet.settle(30_000);
    const order = await retainedOrder(url, { username: `${SITE}/valve-01`, password: VALVE_LOGIN.password });
    const counted = await until(() => {
      const c = missingFromSqliteStore(dir.path, fleet);
      return c.missing.length === 0 ? c : undefined;
    }, 10_000, 'every acknowledged reading in the store').catch(() => missingFromSqliteStore(dir.path, fleet));
    const alarms = countAlarms(dir.path);
    return {
      scenario: 'broker-restart/aedes',
      load: loadLabel(o),
      fault: `embedded broker (gateway) stopped ${o.faultMs / 1000} s, restarted on the same data dir`,
      published: counted.published,
      stored: counted.stored,
      lost: counted.published - counted.stored,
      alarmsExpected: 1,
      alarmsRaised: alarms.raised,
      alarmsDuplicated: alarms.duplicated,
      recoverMs: firstReceivedAfter(dir.path, faultEndMs),
      notes: `retained order after restart: ${order ? `${order.state} ${order.orderId === orderId ? '(same order)' : '(another order!)'}` : 'MISSING'}; alarms ${alarms.keys.join(', ')}${counted.missing.length ? `; missing ${counted.missing.join(' ')}` : ''}`,
      checks: { retainedOrderSame: order?.orderId === orderId && order.state === 'active', valveCommands: valve.commands.length },
    };
  } finally {
    await fleet.close();
    await valve.close();
    await gateway?.stop();
    dir.remove();
  }
}

/** (b) external Mosquitto with persistence, stopped (SIGTERM) and started on the same port. */
export async function brokerRestartMosquitto(o: ScenarioOptions): Promise<ScenarioRow> {
  const dir = tempDir('shaobing-fault-mosq-');
  const gatewayPassword = randomBytes(12).toString('hex');
  const opsPassword = randomBytes(12).toString('hex');
  const detectors = detectorLogins(o.devices);
  const broker = await startMosquitto({
    users: {
      'shaobing-gateway': gatewayPassword,
      'shaobing-ops': opsPassword,
      ...Object.fromEntries([...detectors, VALVE_LOGIN].map((d) => [`${d.site}/${d.device}`, d.password])),
    },
  });
  const config = testConfig(dir.path, (c) => {
    faultSite(c, o.devices);
    c.broker = { ...c.broker, mode: 'external', url: broker.url, clientId: 'shaobing-gateway-faults', username: 'shaobing-gateway', password: gatewayPassword };
    c.api = { ...c.api, enabled: false };
  });
  let gateway: TestGateway | null = null;
  const fleet = new DeviceFleet({ url: broker.url, devices: detectors, ratePerS: o.ratePerS, readings: leakReadings(() => true) });
  const valve = new SimulatedValve(broker.url, VALVE_LOGIN);
  try {
    gateway = await startTestGateway(config);
    await valve.start();
    await fleet.start();
    const orderId = await redOrderAcked(gateway);
    say(o, `mosquitto: order ${orderId} issued and acked; steady load`);
    await sleep(o.steadyMs);
    await broker.stop();
    say(o, `mosquitto: stopped for ${o.faultMs} ms`);
    await sleep(o.faultMs);
    const faultEndMs = Date.now(); // recovery counts Mosquitto's start itself
    await broker.restart();
    say(o, 'mosquitto: started again');
    await sleep(o.steadyMs);
    fleet.pause();
    await fleet.settle(30_000);
    const order = await retainedOrder(broker.url, { username: 'shaobing-ops', password: opsPassword });
    const counted = await until(() => {
      const c = missingFromSqliteStore(dir.path, fleet);
      return c.missing.length === 0 ? c : undefined;
    }, 15_000, 'every acknowledged reading in the store').catch(() => missingFromSqliteStore(dir.path, fleet));
    const alarms = countAlarms(dir.path);
    return {
      scenario: 'broker-restart/mosquitto',
      load: loadLabel(o),
      fault: `external Mosquitto (persistence on) stopped ${o.faultMs / 1000} s, restarted on the same port`,
      published: counted.published,
      stored: counted.stored,
      lost: counted.published - counted.stored,
      alarmsExpected: 1,
      alarmsRaised: alarms.raised,
      alarmsDuplicated: alarms.duplicated,
      recoverMs: firstReceivedAfter(dir.path, faultEndMs),
      notes: `published = PUBACKs from Mosquitto; retained order after restart: ${order ? `${order.state} ${order.orderId === orderId ? '(same order)' : '(another order!)'}` : 'MISSING'}; alarms ${alarms.keys.join(', ')}${counted.missing.length ? `; missing ${counted.missing.join(' ')}` : ''}`,
      checks: { retainedOrderSame: order?.orderId === orderId && order.state === 'active', valveCommands: valve.commands.length },
    };
  } finally {
    await fleet.close();
    await valve.close();
    await gateway?.stop();
    await broker.close();
    dir.remove();
  }
}
