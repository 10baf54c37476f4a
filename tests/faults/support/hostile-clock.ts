// Clock-trouble scenario: devices keep true time while the gateway's own
// clock (the runtime's injected clock) steps forward by hours, back again, and forward by a few
// minutes; device timestamps far out are dead-lettered with their reason. Stale-sensor alarms
// must follow real silence only: one device goes silent on purpose, the others never stop.

import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { hashPassword } from '../../../broker/src/auth.js';
import { DEMO_PASSWORDS } from '../../../gateway/src/config/demo.js';
import { statePath } from '../../../gateway/src/store/state-db.js';
import { journalPath } from '../../../gateway/src/store/journal-db.js';
import { startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { tempDir } from '../../support/tmp.js';
import type { FaultRow } from './fault-row.js';
import { gasIds, hostileSite, OBSERVER, ref, SITE } from './hostile-site.js';
import type { RunningGateway } from '../../support/fixture.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The silent device's stale period; the others keep the default 100 s (GB 16808 line-fault signal, config/schema.ts). */
const SILENT_STALE_S = 3;
const SILENT = 'gas-03';
/** The silent device reports fast (so 3 s of silence is clearly silence); the others slower than the
 * gateway's 1 s health tick, as real detectors do (every 10–30 s): a tick then sees a clock
 * step before their next reading refreshes them. */
const SILENT_PERIOD_MS = 200;
const PERIOD_MS = 2500;

export interface ClockOptions {
  /** The big steps, forward then back. */
  readonly jumpMs: number;
  /** A forward step longer than the default stale period (100 s) and shorter than maxClockJumpS (300 s). */
  readonly smallJumpMs: number;
}

export const CLOCK_SUITE: ClockOptions = { jumpMs: 3 * HOUR_MS, smallJumpMs: 200_000 };

interface StaleRow {
  device: string;
  channel: string;
  state: string;
  raisedAtMs: number;
  clearedAtMs: number | null;
}

function staleAlarms(dataDir: string): StaleRow[] {
  const db = new Database(statePath(dataDir), { readonly: true });
  try {
    return db
      .prepare("SELECT device, channel, state, raised_at_ms AS raisedAtMs, cleared_at_ms AS clearedAtMs FROM alarm WHERE site = ? AND rule_id IN ('stale', 'offline') ORDER BY raised_at_ms")
      .all(SITE) as StaleRow[];
  } finally {
    db.close();
  }
}

function states(rows: StaleRow[]): string {
  return rows.map((a) => `${a.channel}:${a.state}`).sort().join(' ');
}

function journalSeqs(dataDir: string, device: string, seqs: number[]): Set<number> {
  const db = new Database(journalPath(dataDir), { readonly: true });
  try {
    const found = db.prepare(`SELECT seq FROM reading WHERE site = ? AND device = ? AND seq IN (${seqs.map(() => '?').join(',')})`).all(SITE, device, ...seqs) as { seq: number }[];
    return new Set(found.map((r) => r.seq));
  } finally {
    db.close();
  }
}

/** A detector on true time: a reading every PERIOD_MS, its own seq; `extra` sends one-off payloads. */
class TrueTimeDevice {
  seq = 0;
  acked = 0;
  running = true;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: string,
    private readonly client: MqttClient,
    private readonly topic: string,
    private readonly periodMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) this.send(Date.now());
    }, this.periodMs);
  }

  /** Resolves with the seq used once the PUBACK is in. */
  send(tsMs: number): Promise<number> {
    const seq = ++this.seq;
    const payload = JSON.stringify({ ts: tsMs, seq, readings: { ch4: 1, co: 2 } });
    return new Promise((resolve) =>
      this.client.publish(this.topic, payload, { qos: 1 }, (err) => {
        if (!err) this.acked++;
        resolve(seq);
      }),
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

export interface ClockDetails {
  readonly deadLetters: Record<string, number>;
  readonly outOfRangeSent: { ts_in_future: number; ts_too_old: number };
  /** Of the two in-range edge readings (+60 s, −6 d), how many are in the journal; of the four out-of-range ones. */
  readonly inRangeTaken: number;
  readonly outOfRangeTaken: number;
  readonly stale: StaleRow[];
  /** Real ms from the silent device's last reading to its stale alarm appearing. */
  readonly silentToAlarmMs: number | null;
  /** Stale or offline alarms of devices that never stopped, per phase. */
  readonly wrongRaises: Record<string, string[]>;
  /** The silent device's alarm state after the backward step (must still be active). */
  readonly silentAfterBackStep: string;
  readonly silentAfterResume: string;
}

export type ClockOutcome = FaultRow & { readonly details: ClockDetails };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runClockTrouble(o: ClockOptions = CLOCK_SUITE): Promise<ClockOutcome> {
  const dir = tempDir('shaobing-clock-');
  const observerHash = await hashPassword(OBSERVER.password, { N: 1024 });
  let offsetMs = 0;
  const clock = (): number => Date.now() + offsetMs;
  const devices = gasIds(4);
  const gateway: RunningGateway = await startTestGateway(
    testConfig(dir.path, (c) => {
      hostileSite(c, devices.length, observerHash);
      c.sites[0]!.devices = c.sites[0]!.devices.map((d) => (d.id === SILENT ? { ...d, staleAfterS: SILENT_STALE_S } : d));
    }),
    clock,
  );
  const clients: MqttClient[] = [];
  const fleet: TrueTimeDevice[] = [];
  try {
    const observer = await connectClient(gateway.url, { username: OBSERVER.username, password: OBSERVER.password, clientId: 'clock-observer' });
    clients.push(observer);
    const deadLetters: Record<string, number> = {};
    observer.on('message', (_topic, payload) => {
      const reason = String((JSON.parse(payload.toString()) as { reason?: unknown }).reason);
      deadLetters[reason] = (deadLetters[reason] ?? 0) + 1;
    });
    await observer.subscribeAsync('shaobing/_deadletter/#', { qos: 1 });
    for (const id of devices) {
      const c = await connectClient(gateway.url, deviceLogin(SITE, id, DEMO_PASSWORDS['gas-01']));
      clients.push(c);
      fleet.push(new TrueTimeDevice(id, c, gateway.topics.telemetry(ref(id)), id === SILENT ? SILENT_PERIOD_MS : PERIOD_MS));
    }
    for (const d of fleet) d.start();
    const wrongRaises: Record<string, string[]> = {};
    const wrong = (phase: string): void => {
      wrongRaises[phase] = staleAlarms(dir.path).filter((a) => a.device !== SILENT).map((a) => `${a.device}:${a.state}`);
    };
    await sleep(PERIOD_MS + 500);
    wrong('steady');

    // Device timestamps far out, beside ones at the edge of the window, from a live device.
    const edge = fleet[3]!;
    const outOfRange = [
      await edge.send(Date.now() + HOUR_MS),
      await edge.send(Date.now() - 8 * DAY_MS),
      await edge.send(Date.now() + 10 * 365 * DAY_MS),
      await edge.send(0),
    ];
    const inRange = [
      await edge.send(Date.now() + 60_000), // within the 120 s skew
      await edge.send(Date.now() - 6 * DAY_MS), // buffered backfill, within 7 days
    ];

    // Forward by hours; the silent device stops at the same moment.
    const silent = fleet.find((d) => d.id === SILENT)!;
    silent.running = false;
    const silentSince = Date.now();
    offsetMs += o.jumpMs;
    const firstAlarm = await (async () => {
      const deadline = Date.now() + SILENT_STALE_S * 1000 + 4000;
      while (Date.now() < deadline) {
        if (staleAlarms(dir.path).some((a) => a.device === SILENT)) return Date.now() - silentSince;
        await sleep(50);
      }
      return null;
    })();
    await sleep(1000);
    wrong('forward');

    // Back by the same hours: nothing clears, nothing fires.
    offsetMs -= o.jumpMs;
    await sleep(2000);
    wrong('backward');
    const silentAfterBackStep = states(staleAlarms(dir.path).filter((a) => a.device === SILENT));

    // Forward by a few minutes: longer than a detector's stale period, shorter than maxClockJumpS.
    offsetMs += o.smallJumpMs;
    await sleep(PERIOD_MS + 500);
    wrong('small-forward');

    silent.running = true;
    await sleep(1000);
    const silentAfterResume = states(staleAlarms(dir.path).filter((a) => a.device === SILENT));
    for (const d of fleet) d.stop();
    await sleep(300);

    const published = fleet.reduce((s, d) => s + d.acked, 0) - outOfRange.length; // acked, but dead-lettered
    let stored = 0;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      stored = await gateway.telemetry.countMessages({ site: SITE });
      if (stored >= published) break;
      await sleep(50);
    }
    const taken = journalSeqs(dir.path, edge.id, [...outOfRange, ...inRange]);
    const stale = staleAlarms(dir.path);
    const perSensor = new Map<string, number>();
    for (const a of stale) perSensor.set(`${a.device}/${a.channel}`, (perSensor.get(`${a.device}/${a.channel}`) ?? 0) + 1);
    const details: ClockDetails = {
      deadLetters,
      outOfRangeSent: { ts_in_future: 2, ts_too_old: 2 },
      inRangeTaken: inRange.filter((seq) => taken.has(seq)).length,
      outOfRangeTaken: outOfRange.filter((seq) => taken.has(seq)).length,
      stale,
      silentToAlarmMs: firstAlarm,
      wrongRaises,
      silentAfterBackStep,
      silentAfterResume,
    };
    return {
      scenario: 'clock-trouble',
      load: `${devices.length - 1} devices every ${PERIOD_MS / 1000} s + ${SILENT} every ${SILENT_PERIOD_MS / 1000} s on true time, QoS1`,
      fault: `gateway clock +${o.jumpMs / HOUR_MS} h, −${o.jumpMs / HOUR_MS} h, +${o.smallJumpMs / 1000} s; device ts +1 h, −8 d, +10 y, 0; ${SILENT} silent ${SILENT_STALE_S} s+`,
      published,
      stored,
      lost: published - stored,
      // One stale alarm per channel of the silent detector (ch4, co).
      alarmsExpected: 2,
      alarmsRaised: stale.length,
      alarmsDuplicated: [...perSensor.values()].reduce((s, n) => s + n - 1, 0),
      recoverMs: null,
      notes: `wrong stale raises: ${Object.entries(wrongRaises).map(([p, r]) => `${p} ${r.length}`).join(', ')}; ${SILENT} alarm after ${firstAlarm ?? '—'} ms of silence`,
      details,
    };
  } finally {
    for (const d of fleet) d.stop();
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await gateway.stop();
    dir.remove();
  }
}
