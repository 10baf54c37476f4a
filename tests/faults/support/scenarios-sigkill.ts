// Gateway SIGKILL mid-stream: the real gateway as a child process, killed with kill -9 while
// devices publish, started again on the same data directory. What officers did through the API
// before the kill (an acknowledgement, a shelf) and the open stop-work order survive; the valve
// command that was never acknowledged is sent again; detection starts warm (no alarm twice).

import { randomBytes } from 'node:crypto';
import { demoConfig } from '../../../gateway/src/config/demo.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { DeviceFleet, SimulatedValve } from './load.js';
import { freePort } from '../../support/process.js';
import { startGatewayProcess, writeConfig, type GatewayProcess } from '../../support/gateway-process.js';
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
  YELLOW_CH4,
  type ScenarioOptions,
  type ScenarioRow,
} from './scenarios-common.js';
import { tempDir } from '../../support/tmp.js';

interface ApiAlarm {
  id: string;
  device: string;
  ruleId: string;
  level: string;
  state: string;
  ackedBy: string | null;
  shelvedUntilMs?: number | null;
  shelvedBy?: string | null;
}
interface ApiOrder {
  id: string;
  state: string;
  commands: { id: string; device: string; state: string; attempts: number }[];
}

function api(port: number, token: string) {
  return async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
}

export async function gatewaySigkill(o: ScenarioOptions): Promise<ScenarioRow> {
  const dir = tempDir('shaobing-fault-kill-');
  const [brokerPort, apiPort] = [await freePort(), await freePort()];
  const token = `sb_fault-officer-${randomBytes(16).toString('hex')}`;
  const input: ConfigInput = demoConfig();
  faultSite(input, o.devices);
  input.broker = { host: '127.0.0.1', port: brokerPort };
  // The scenario polls the API while it waits: the default 600 requests a minute would refuse it.
  input.api = { host: '127.0.0.1', port: apiPort, bootstrapTokens: [{ name: 'officer Li', role: 'officer', tokenHash: hashToken(token) }], rateLimit: { max: 100_000, windowS: 60 } };
  input.storage = { dataDir: dir.path, synchronous: 'FULL' };
  // The default 3 s ack timeout with room for attempts: the silent valve's command stays
  // unacknowledged (resent, never failed) until the kill. The copy sent at restart may reach the
  // valve before it has reconnected; the next timeout sends it again.
  input.orders = { ackTimeoutMs: 3000, maxAttempts: 20 };
  input.log = { level: 'info' };
  const configFile = writeConfig(dir.path, input);
  const call = api(apiPort, token);
  const url = `mqtt://127.0.0.1:${brokerPort}`;

  let proc: GatewayProcess | null = startGatewayProcess(configFile);
  const fleet = new DeviceFleet({ url, devices: detectorLogins(o.devices), ratePerS: o.ratePerS, readings: leakReadings(() => true, { 'gas-02': YELLOW_CH4 }) });
  const valve = new SimulatedValve(url, VALVE_LOGIN, { silent: true });
  try {
    await proc.ready;
    await valve.start();
    await fleet.start();
    const active = await until(async () => {
      const { alarms } = await call<{ alarms: ApiAlarm[] }>('GET', `/alarms?active=true&site=${SITE}`);
      const red = alarms.find((a) => a.device === 'gas-01' && a.level === 'red');
      const yellow = alarms.find((a) => a.device === 'gas-02' && a.level === 'yellow');
      return red && yellow ? { red, yellow } : undefined;
    }, 15_000, 'red on gas-01 and yellow on gas-02');
    const order = await until(async () => (await call<{ orders: ApiOrder[] }>('GET', `/orders?state=active&site=${SITE}`)).orders[0], 10_000, 'the stop-work order');
    await until(() => valve.commands.length > 0, 10_000, 'the close command at the valve');
    const firstCommand = valve.commands[0]!;
    await call('POST', `/alarms/${active.red.id}/ack`, { note: 'on my way' });
    await call('POST', `/alarms/${active.yellow.id}/shelve`, { reason: 'detector being recalibrated', minutes: 60 });
    say(o, `sigkill: red ${active.red.id} acked, yellow ${active.yellow.id} shelved, order ${order.id}, command ${firstCommand.id} unanswered`);

    await sleep(o.steadyMs);
    const killedAtPublished = fleet.publishedCount;
    const commandsBeforeKill = valve.commands.length;
    await proc.kill('SIGKILL');
    proc = null;
    say(o, `sigkill: killed with ${killedAtPublished} readings acknowledged so far`);
    valve.silent = false; // the valve answers from now on
    await sleep(o.faultMs);
    // Recovery is counted from the restart: process start, broker up, devices back, first commit.
    const faultEndMs = Date.now();
    proc = startGatewayProcess(configFile);
    await proc.ready;
    say(o, 'sigkill: started again');

    const resent = await until(() => valve.commands.find((c, i) => i >= commandsBeforeKill && c.id === firstCommand.id), 10_000, 'the unacknowledged command sent again').catch(() => undefined);
    const after = await until(async () => {
      const { orders } = await call<{ orders: ApiOrder[] }>('GET', `/orders?state=active&site=${SITE}`);
      const o2 = orders.find((x) => x.id === order.id);
      return o2?.commands.every((c) => c.state === 'acked') ? o2 : undefined;
    }, 10_000, 'the order confirmed by the valve after the restart').catch(() => undefined);
    const red = (await call<{ alarm: ApiAlarm }>('GET', `/alarms/${active.red.id}`)).alarm;
    const yellow = (await call<{ alarm: ApiAlarm }>('GET', `/alarms/${active.yellow.id}`)).alarm;

    await sleep(o.steadyMs);
    fleet.pause();
    await fleet.settle(30_000);
    const counted = await until(() => {
      const c = missingFromSqliteStore(dir.path, fleet);
      return c.missing.length === 0 ? c : undefined;
    }, 10_000, 'every acknowledged reading in the store').catch(() => missingFromSqliteStore(dir.path, fleet));
    const alarms = countAlarms(dir.path);
    const checks = {
      ackSurvived: red.state === 'active_acked' && red.ackedBy === 'officer Li',
      shelfSurvived: typeof yellow.shelvedUntilMs === 'number' && yellow.shelvedUntilMs > Date.now(),
      orderSurvived: after !== undefined,
      commandResent: resent !== undefined,
      killedAtPublished,
    };
    return {
      scenario: 'gateway-sigkill',
      load: loadLabel(o),
      fault: `gateway process kill -9 mid-stream, down ${o.faultMs / 1000} s, restarted on the same data dir`,
      published: counted.published,
      stored: counted.stored,
      lost: counted.published - counted.stored,
      alarmsExpected: 2,
      alarmsRaised: alarms.raised,
      alarmsDuplicated: alarms.duplicated,
      recoverMs: firstReceivedAfter(dir.path, faultEndMs),
      notes: `ack ${checks.ackSurvived ? 'kept' : 'LOST'}, shelf ${checks.shelfSurvived ? 'kept' : 'LOST'}, order ${checks.orderSurvived ? 'kept and confirmed' : 'NOT confirmed'}, unacked valve command ${checks.commandResent ? 'resent' : 'NOT resent'}; alarms ${alarms.keys.join(', ')}${counted.missing.length ? `; missing ${counted.missing.join(' ')}` : ''}`,
      checks,
    };
  } finally {
    await fleet.close();
    await valve.close();
    await proc?.kill('SIGTERM');
    dir.remove();
  }
}
