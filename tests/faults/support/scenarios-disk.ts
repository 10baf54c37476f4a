// Disk full for the data directory, under load, while a leak starts. The real thing where this
// machine allows mounting: a 32 MiB tmpfs under the data directory, filled to the last byte by a
// filler file (journal.db and state.db on the same full disk), then freed. Where mounting is not
// permitted, the closest real SQLITE_FULL: `PRAGMA max_page_count` on the gateway's journal
// connection (state.db then keeps its space), and the row says so.
//
// What must still work while the disk is full (decided here): detection, alarms, the
// stop-work order and notifications; the fault is reported (log + `_gateway` alarm disk_full);
// readings that cannot be journaled get no PUBACK and are taken once space returns.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DeviceFleet, SimulatedValve } from './load.js';
import { mountSmallDisk, type SmallDisk } from './disk.js';
import { countAlarms, detectorLogins, faultSite, leakReadings, LEAK_DEVICE, loadLabel, missingFromSqliteStore, say, sleep, until, VALVE_LOGIN, type ScenarioOptions, type ScenarioRow } from './scenarios-common.js';
import { freePort } from '../../support/process.js';
import { startTestGateway, testConfig, type TestGateway } from '../../support/gateway.js';
import { startHttpReceiver } from '../../support/receivers.js';
import { tempDir } from '../../support/tmp.js';
import { SYSTEM_SITE } from '../../../gateway/src/alarms/system-alarms.js';

const WEBHOOK_SECRET = 'fault-webhook-secret-02';
const DISK_MB = 32;

interface DiskFault {
  readonly dataDir: string;
  readonly how: string;
  fill(gateway: TestGateway): void;
  release(gateway: TestGateway): void;
  close(): void;
}

function tmpfsFault(disk: SmallDisk): DiskFault {
  return {
    dataDir: disk.path,
    how: `data dir on a ${DISK_MB} MiB tmpfs filled to 0 bytes free`,
    fill: () => void disk.fill(),
    release: () => disk.release(),
    close: () => disk.close(),
  };
}

/** The journal connection's own page limit: its next page fails with SQLITE_FULL. */
function pageLimitFault(): DiskFault {
  const dir = tempDir('shaobing-fault-pages-');
  // max_page_count is per connection: the journal's writer runs in its worker thread.
  const pages = (g: TestGateway): number => {
    const db = new Database(join(g.config.storage.dataDir, 'journal.db'), { readonly: true });
    try {
      return db.pragma('page_count', { simple: true }) as number;
    } finally {
      db.close();
    }
  };
  return {
    dataDir: dir.path,
    how: 'SUBSTITUTE (mount not permitted here): journal.db limited by PRAGMA max_page_count',
    fill: (g) => void g.inside.journal.writerPragma(`max_page_count = ${pages(g)}`),
    release: (g) => void g.inside.journal.writerPragma('max_page_count = 1073741823'),
    close: () => dir.remove(),
  };
}

/** A real full disk where mounting works, else the page-limit substitute (with the reason). */
export function diskFault(): { fault: DiskFault; substituted: string | null } {
  try {
    // SHAOBING_FAULTS_NO_MOUNT=1 runs the substitute on a machine that could mount (to test it).
    if (process.env.SHAOBING_FAULTS_NO_MOUNT) throw new Error('mounting switched off by SHAOBING_FAULTS_NO_MOUNT');
    return { fault: tmpfsFault(mountSmallDisk(DISK_MB)), substituted: null };
  } catch (err) {
    return { fault: pageLimitFault(), substituted: (err as Error).message };
  }
}

export async function diskFull(o: ScenarioOptions): Promise<ScenarioRow> {
  const { fault, substituted } = diskFault();
  if (substituted) process.stderr.write(`disk-full scenario: ${substituted}; using PRAGMA max_page_count on journal.db instead (state.db keeps its space)\n`);
  const rx = await startHttpReceiver({ webhookSecret: WEBHOOK_SECRET });
  const port = await freePort();
  const config = testConfig(fault.dataDir, (c) => {
    faultSite(c, o.devices);
    c.broker = { ...c.broker, port };
    c.api = { ...c.api, enabled: false };
    c.notify = {
      publicUrl: 'http://127.0.0.1:8080',
      channels: { hook: { type: 'webhook', url: `${rx.url}/webhook`, secret: WEBHOOK_SECRET } },
      roster: { people: { zhang: { name: '张值班', contacts: [{ channel: 'hook' }] } }, shifts: [{ id: 'all-day', start: '00:00', end: '00:00', duty: ['zhang'] }] },
      delivery: { pollMs: 20, baseDelayMs: 50, maxDelayMs: 500, maxAttempts: 1000 },
    };
  });
  const url = `mqtt://127.0.0.1:${port}`;
  let leak = false;
  let gateway: TestGateway | null = null;
  const fleet = new DeviceFleet({ url, devices: detectorLogins(o.devices), ratePerS: o.ratePerS, readings: leakReadings(() => leak) });
  const valve = new SimulatedValve(url, VALVE_LOGIN);
  try {
    gateway = await startTestGateway(config);
    const g = gateway;
    await valve.start();
    await fleet.start();
    await sleep(o.steadyMs);

    fault.fill(g);
    // The batch in flight in the journal's worker when the disk filled may still land:
    // wait for it, so that "committed while full" counts only batches sent after the fill.
    g.inside.journal.flush();
    const fullAtMs = Date.now();
    const committedAtFill = g.inside.journal.stats.committed;
    leak = true;
    say(o, `disk: full (${fault.how}); leak starts`);
    const red = await until(() => g.alarms.activeAlarms().find((a) => a.device === LEAK_DEVICE && a.level === 'red'), 15_000, 'red on the leaking detector with the disk full').catch(() => undefined);
    const told = await until(() => rx.shown('/webhook').find((d) => (d.json as { level?: string }).level === 'red'), 10_000, 'the red notification with the disk full').catch(() => undefined);
    const selfAlarm = await until(() => g.alarms.activeAlarms().find((a) => a.site === SYSTEM_SITE && a.ruleId === 'system:disk_full'), 10_000, 'the disk-full gateway alarm').catch(() => undefined);
    const orderIssued = g.interlock.activeOrder(config.sites[0]!.id) !== undefined;
    await sleep(Math.max(0, fullAtMs + o.faultMs - Date.now()));
    const committedWhileFull = g.inside.journal.stats.committed - committedAtFill;
    const heldAtRelease = g.inside.journal.depth;
    const fullMs = Date.now() - fullAtMs;
    fault.release(g);
    const faultEndMs = Date.now();
    // Recovered: the held readings commit (the journal retries every 250 ms while full).
    const recoveredAtMs = await until(() => (g.inside.journal.stats.committed > committedAtFill + committedWhileFull ? Date.now() : undefined), 10_000, 'a commit after space returned').catch(() => null);
    say(o, `disk: space back after ${fullMs} ms; ${heldAtRelease} readings held; red ${red ? 'raised' : 'NOT raised'}, told ${told ? 'yes' : 'NO'}, self-alarm ${selfAlarm ? 'yes' : 'NO'}`);

    await sleep(o.steadyMs);
    fleet.pause();
    await fleet.settle(30_000);
    const counted = await until(() => {
      const c = missingFromSqliteStore(fault.dataDir, fleet);
      return c.missing.length === 0 ? c : undefined;
    }, 10_000, 'every acknowledged reading in the store').catch(() => missingFromSqliteStore(fault.dataDir, fleet));
    const selfCleared = await until(() => !g.alarms.activeAlarms().some((a) => a.site === SYSTEM_SITE && a.ruleId === 'system:disk_full'), 5000, 'the disk-full alarm cleared').catch(() => false);
    const alarms = countAlarms(fault.dataDir);
    const checks = {
      substituted: substituted ?? '',
      fullMs,
      heldAtRelease,
      committedWhileFull,
      redRaisedWhileFull: red !== undefined,
      orderIssuedWhileFull: orderIssued,
      notifiedWhileFull: told !== undefined,
      selfAlarmRaised: selfAlarm !== undefined,
      selfAlarmCleared: selfCleared === true,
      gatewayReady: g.ready(),
    };
    return {
      scenario: 'disk-full',
      load: loadLabel(o),
      fault: `${fault.how} for ${Math.round(fullMs / 100) / 10} s while a leak starts, then freed`,
      published: counted.published,
      stored: counted.stored,
      lost: counted.published - counted.stored,
      alarmsExpected: 1,
      alarmsRaised: alarms.raised,
      alarmsDuplicated: alarms.duplicated,
      recoverMs: recoveredAtMs === null ? null : recoveredAtMs - faultEndMs,
      notes: `${heldAtRelease} readings held without PUBACK while full, ${committedWhileFull} committed; red ${checks.redRaisedWhileFull ? 'raised' : 'NOT raised'}, order ${orderIssued ? 'issued' : 'NOT issued'}, ${checks.notifiedWhileFull ? 'notified' : 'NOT notified'} while full; gateway alarm disk_full ${checks.selfAlarmRaised ? 'raised' : 'NOT raised'} and ${checks.selfAlarmCleared ? 'cleared after' : 'NOT cleared'}; alarms ${alarms.keys.join(', ')}${counted.missing.length ? `; missing ${counted.missing.join(' ')}` : ''}`,
      checks,
    };
  } finally {
    await fleet.close();
    await valve.close();
    await gateway?.stop();
    await rx.close();
    fault.close();
  }
}
