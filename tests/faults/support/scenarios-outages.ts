// Outages together, under steady load: InfluxDB stopped, the duty officer's webhook receiver down
// and the (external Mosquitto) broker restarted while they are, with a red leak raised in the
// middle. Afterwards every acknowledged reading is in InfluxDB exactly once (one point per seq and
// channel) and each notification reached the deduplicating receiver exactly once.

import { randomBytes } from 'node:crypto';
import { DeviceFleet, SimulatedValve } from './load.js';
import { countAlarms, countMissing, detectorLogins, faultSite, leakReadings, LEAK_DEVICE, loadLabel, say, sleep, SITE, until, VALVE_LOGIN, type ScenarioOptions, type ScenarioRow } from './scenarios-common.js';
import { startTestGateway, testConfig, type TestGateway } from '../../support/gateway.js';
import { startMosquitto } from '../../support/mosquitto.js';
import { startInfluxd } from '../../support/influxd.js';
import { startHttpReceiver } from '../../support/receivers.js';
import { tempDir } from '../../support/tmp.js';
import { InfluxTelemetryStore } from '../../../gateway/src/store/influx/influx-store.js';

const WEBHOOK_SECRET = 'fault-webhook-secret-01';

type Series = { name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }[];

export async function outagesTogether(o: ScenarioOptions): Promise<ScenarioRow> {
  const dir = tempDir('shaobing-fault-outages-');
  const gatewayPassword = randomBytes(12).toString('hex');
  const detectors = detectorLogins(o.devices);
  const influxd = await startInfluxd();
  const rx = await startHttpReceiver({ webhookSecret: WEBHOOK_SECRET });
  const broker = await startMosquitto({
    users: { 'shaobing-gateway': gatewayPassword, ...Object.fromEntries([...detectors, VALVE_LOGIN].map((d) => [`${d.site}/${d.device}`, d.password])) },
  });
  const config = testConfig(dir.path, (c) => {
    faultSite(c, o.devices);
    c.broker = { ...c.broker, mode: 'external', url: broker.url, clientId: 'shaobing-gateway-outages', username: 'shaobing-gateway', password: gatewayPassword };
    c.api = { ...c.api, enabled: false };
    c.storage = { ...c.storage, drainIntervalMs: 50, influx: { url: influxd.url, api: 'v1', database: influxd.database, lingerMs: 20, retry: { minMs: 50, maxMs: 1000 } } };
    c.notify = {
      publicUrl: 'http://127.0.0.1:8080',
      channels: { hook: { type: 'webhook', url: `${rx.url}/webhook`, secret: WEBHOOK_SECRET } },
      roster: { people: { zhang: { name: '张值班', contacts: [{ channel: 'hook' }] } }, shifts: [{ id: 'all-day', start: '00:00', end: '00:00', duty: ['zhang'] }] },
      // Retries outlast the longest outage (soak: two minutes) so nothing fails for good.
      delivery: { pollMs: 20, baseDelayMs: 50, maxDelayMs: 1000, maxAttempts: 1000 },
    };
  });
  let leak = false;
  let gateway: TestGateway | null = null;
  const fleet = new DeviceFleet({ url: broker.url, devices: detectors, ratePerS: o.ratePerS, readings: leakReadings(() => leak) });
  const valve = new SimulatedValve(broker.url, VALVE_LOGIN);
  try {
    gateway = await startTestGateway(config);
    const g = gateway;
    await valve.start();
    await fleet.start();
    await sleep(o.steadyMs);

    const outageStartMs = Date.now();
    await Promise.all([influxd.stop(), rx.down()]);
    leak = true;
    say(o, 'outages: InfluxDB and receiver down, leak starts');
    await until(() => g.alarms.activeAlarms().some((a) => a.device === LEAK_DEVICE && a.level === 'red'), 15_000, 'red on the leaking detector during the outage');
    await broker.stop();
    say(o, 'outages: broker stopped');
    await sleep(Math.min(2000, o.faultMs / 2));
    await broker.restart();
    say(o, 'outages: broker started again');
    await sleep(Math.max(0, outageStartMs + o.faultMs - Date.now()));
    const outageMs = Date.now() - outageStartMs;
    const pendingAtEnd = g.notifier.outbox.counts();
    await influxd.start();
    await rx.up();
    const faultEndMs = Date.now();
    const ackedBeforeEnd = fleet.publishedCount;
    say(o, `outages: all back after ${outageMs} ms; ${ackedBeforeEnd} readings acknowledged so far`);

    // Recovered: the backlog of readings from before the end is in InfluxDB and the outbox is empty.
    const countBefore = async (): Promise<number> => {
      const res = await influxd.query(`SELECT count(value) FROM reading WHERE channel = 'ch4' AND time < ${faultEndMs}ms`);
      return Number(res.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
    };
    const steadyUntil = Date.now() + o.steadyMs;
    say(o, `outages: waiting for ${ackedBeforeEnd} points before the end in InfluxDB and the outbox to drain`);
    const recoveredAt = await until(async () => ((await countBefore()) >= ackedBeforeEnd && g.notifier.outbox.counts().pending === 0 ? Date.now() : undefined), o.steadyMs + 60_000, 'backlog shipped and notifications delivered').catch(() => null);
    await sleep(Math.max(0, steadyUntil - Date.now()));
    fleet.pause();
    await fleet.settle(30_000);

    const store = g.telemetry as InfluxTelemetryStore;
    await until(() => store.spoolDepth() === 0, 30_000, 'the spool shipped').catch(() => undefined);
    const points = async (channel: string): Promise<Map<string, number[]>> => {
      const res = await influxd.query(`SELECT seq FROM reading WHERE channel = '${channel}' GROUP BY device`);
      const out = new Map<string, number[]>();
      for (const s of (res.results[0]?.series ?? []) as Series) out.set(`${SITE}/${s.tags?.device}`, s.values.map((v) => Number(v[1])));
      return out;
    };
    // Mosquitto's PUBACK to a device comes before the gateway has the reading: look until all are in.
    const look = async () => {
      const ch4 = await points('ch4');
      const co = await points('co');
      const has = (m: Map<string, number[]>) => new Map([...m].map(([k, seqs]) => [k, new Set(seqs)]));
      const [ch4Seqs, coSeqs] = [has(ch4), has(co)];
      const counted = countMissing(fleet, (site, device, seq) => (ch4Seqs.get(`${site}/${device}`)?.has(seq) ?? false) && (coSeqs.get(`${site}/${device}`)?.has(seq) ?? false));
      return { ch4, co, counted };
    };
    let seen = await look();
    const deadline = Date.now() + 15_000;
    while (seen.counted.missing.length > 0 && Date.now() < deadline) {
      await sleep(100);
      seen = await look();
    }
    const { ch4, co, counted } = seen;
    // Exactly once: as many points per channel as distinct seqs.
    let doubled = 0;
    for (const series of [ch4, co]) for (const seqs of series.values()) doubled += seqs.length - new Set(seqs).size;

    await until(() => g.notifier.outbox.counts().pending === 0, 15_000, 'outbox drained').catch(() => undefined);
    const outbox = g.notifier.outbox.list({ limit: 1000 });
    const shownKeys = rx.shown('/webhook').map((d) => d.key);
    const notificationsOnce = outbox.length > 0 && outbox.every((r) => r.state === 'sent' && shownKeys.filter((k) => k === r.key).length === 1) && shownKeys.length === outbox.length;
    const alarms = countAlarms(dir.path);
    const checks = {
      outageMs,
      pointsDoubled: doubled,
      notifications: outbox.length,
      notificationsPendingDuringOutage: pendingAtEnd.pending,
      notificationsOnce,
      receiverCopies: rx.accepted.filter((d) => d.path === '/webhook').length,
      valveCommands: valve.commands.length,
    };
    return {
      scenario: 'outages-together',
      load: loadLabel(o),
      fault: `InfluxDB + webhook receiver down ${Math.round(outageMs / 1000)} s, Mosquitto restarted meanwhile, red leak raised in the outage`,
      published: counted.published,
      stored: counted.stored,
      lost: counted.published - counted.stored,
      alarmsExpected: 1,
      alarmsRaised: alarms.raised,
      alarmsDuplicated: alarms.duplicated,
      recoverMs: recoveredAt === null ? null : recoveredAt - faultEndMs,
      notes: `stored = in InfluxDB (ch4 and co); points doubled ${doubled}; ${outbox.length} notification(s), ${checks.notificationsPendingDuringOutage} pending at the end of the outage, shown once each: ${notificationsOnce} (${checks.receiverCopies} copies received); recover = backlog shipped + outbox empty; alarms ${alarms.keys.join(', ')}${alarms.system.length ? `; gateway alarms ${alarms.system.join(', ')}` : ''}${counted.missing.length ? `; missing ${counted.missing.join(' ')}` : ''}`,
      checks,
    };
  } finally {
    await fleet.close();
    await valve.close();
    await gateway?.stop();
    await broker.close();
    await rx.close();
    await influxd.close();
    dir.remove();
  }
}
