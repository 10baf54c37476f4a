// Wires the parts; the only file that knows all of them. Start order matters: state and journal
// first, then detection warm from open alarms, then the broker, then the stop-work interlock
// (which republishes open orders), then the API.

import type { FastifyInstance } from 'fastify';
import { makeTopics, type Topics } from './contract/topics.js';
import type { Config } from './config/schema.js';
import type { Level } from './contract/levels.js';
import type { ChannelId, DeviceId, SiteId } from './contract/ids.js';
import { openStateDb } from './store/state-db.js';
import { openJournalDb } from './store/journal-db.js';
import { isDiskFull, type Db } from './store/sqlite.js';
import { ThreadedSqliteTelemetryStore } from './store/sqlite-telemetry-threaded.js';
import { DrainLoop } from './store/drain-loop.js';
import type { TelemetryStore } from './store/telemetry-store.js';
import { InfluxTelemetryStore } from './store/influx/influx-store.js';
import { influxStoreFromConfig } from './store/influx/from-config.js';
import { Journal } from './ingest/journal.js';
import { warmWriter } from './ingest/journal-thread.js';
import { DiskReserve, DISK_RESERVE_BYTES } from './store/disk-reserve.js';
import { SeqDedup } from './ingest/dedup.js';
import { Intake } from './ingest/intake.js';
import type { Ingress } from './ingest/ingress.js';
import { ingressFromConfig } from './ingest/ingress-from-config.js';
import { AedesIngress } from './ingest/aedes-ingress.js';
import { MqttIngress } from './ingest/mqtt-ingress.js';
import { trackDeviceStatus } from './ingest/status.js';
import { DetectionEngine } from './detect/engine.js';
import { effectiveRules } from './config/effective-rules.js';
import { VotingPlan } from './detect/voting.js';
import { isHealthRule, SensorHealth, type WatchedChannel } from './detect/health.js';
import { AlarmRepository } from './alarms/repository.js';
import { AlarmService } from './alarms/service.js';
import { SystemAlarms } from './alarms/system-alarms.js';
import { apiConnectionBound, descriptorLimit, DescriptorWatch } from './descriptors.js';
import { Notifier } from './notify/notifier.js';
import { OrderRepository } from './orders/repository.js';
import { Interlock, type Actuator } from './orders/interlock.js';
import { channelProfiles, ReadingPipeline } from './pipeline.js';
import { EventBus } from './events.js';
import type { Logger } from './log.js';
import { buildApp } from '../../dashboard-api/src/app.js';

export interface RuntimeOptions {
  readonly log: Logger;
  readonly clock?: () => number;
}

export interface Runtime {
  readonly config: Config;
  readonly topics: Topics;
  readonly events: EventBus;
  readonly ingress: Ingress;
  readonly alarms: AlarmService;
  readonly alarmRepo: AlarmRepository;
  readonly notifier: Notifier;
  readonly orders: OrderRepository;
  readonly interlock: Interlock;
  readonly intake: Intake;
  readonly journal: Journal;
  readonly telemetry: TelemetryStore;
  /** The broker port actually bound in embedded mode (config may ask for 0). */
  readonly brokerPort: number | null;
  readonly apiPort: number | null;
  /** The dashboard API (tests reach it with inject), null when api.enabled is false. */
  readonly api: FastifyInstance | null;
  stop(): Promise<void>;
  /** Test-only: dies as a killed process would. The broker connection drops at once, nothing still
   * waiting for the group commit reaches disk (so nothing more is acknowledged), files are closed. */
  simulateCrash(): Promise<void>;
}

function actuatorsBySite(config: Config): Map<string, Actuator[]> {
  const map = new Map<string, Actuator[]>();
  for (const site of config.sites) {
    const actuators: Actuator[] = [];
    for (const d of site.devices) if (d.kind === 'valve' || d.kind === 'fan') actuators.push({ device: d.id, kind: d.kind });
    map.set(site.id, actuators);
  }
  return map;
}

/** Every detector channel is watched for silence with its device's period and level. */
function watchedChannels(config: Config): WatchedChannel[] {
  const out: WatchedChannel[] = [];
  for (const site of config.sites) {
    for (const d of site.devices) {
      for (const [channel, spec] of Object.entries(d.channels)) {
        out.push({ site: site.id as SiteId, device: d.id as DeviceId, channel: channel as ChannelId, quantity: spec.quantity, stalePeriodMs: d.staleAfterS * 1000, staleLevel: d.staleLevel });
      }
    }
  }
  return out;
}

/**
 * The largest forward step of the gateway clock taken as elapsed time. A step longer than a
 * detector's stale period would make every detector look silent at the next 1 s health tick, so
 * the configured bound is capped at half the shortest period (issue 8, Clock trouble: a +200 s
 * step raised stale on every detector with the default 100 s period and 300 s bound). Half: a
 * detector reporting more often than every half period is never taken for silent by a step.
 */
function maxClockJumpMs(config: Config): number {
  const periods = config.sites.flatMap((s) => s.devices.filter((d) => Object.keys(d.channels).length > 0).map((d) => d.staleAfterS * 1000));
  const shortest = periods.length > 0 ? Math.min(...periods) : Infinity;
  // StalenessWatch needs at least its 1 s bucket.
  return Math.max(1000, Math.min(config.health.maxClockJumpS * 1000, shortest / 2));
}

function healthOptions(config: Config): ConstructorParameters<typeof SensorHealth>[1] {
  const h = config.health;
  const gas = { afterMs: h.stuckGasAfterH * 3_600_000, epsilon: 0, baseline: 0 };
  return {
    stale: { maxJumpMs: maxClockJumpMs(config) },
    faults: {
      rangeLevel: h.rangeFaultLevel,
      rangeClearReadings: h.rangeClearReadings,
      deviceLevel: h.deviceFaultLevel,
      stuckLevel: h.stuckLevel,
      stuck: { methane_lel: gas, lpg_lel: gas, co_ppm: gas, h2s_ppm: gas },
    },
  };
}

export async function startRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const log = options.log;
  const clock = options.clock ?? Date.now;
  const topics = makeTopics(config.topicPrefix);
  const events = new EventBus(log.child({ module: 'events' }));

  const stateDb = openStateDb(config.storage.dataDir);
  const journalDb = openJournalDb(config.storage.dataDir, config.storage.synchronous);
  const closeDbs = (): void => {
    for (const db of [journalDb, stateDb] as Db[]) if (db.open) db.close();
  };
  // What a start that fails halfway has to undo, newest first: a listening broker port or a
  // storage worker left behind would keep the next start (or a test's next gateway) from working.
  const undo: (() => unknown)[] = [];

  try {
    const alarmRepo = new AlarmRepository(stateDb);
    const orders = new OrderRepository(stateDb);
    // Notifications (issue 6): its outbox hook must be on the repository before the first save.
    const notifier = new Notifier({
      db: stateDb,
      alarmRepo,
      notify: config.notify,
      sites: config.sites,
      clock,
      log: log.child({ module: 'notify' }),
      emit: (alarm, event) => events.emit('alarm', { alarm, event }),
      // Shelved, out of service, flood (never red): read when an alarm is saved, after `alarms` exists.
      suppress: (alarm) => alarms.suppress(alarm),
      // A channel that fails for good is a gateway alarm until a delivery through it succeeds.
      onDeliveryFailed: (row) => system.raise(`notify-${row.channel}`, 'notify_failed', row.attempts),
      onDelivered: (row) => system.clear(`notify-${row.channel}`, 'notify_failed', 0),
    });
    const alarms = new AlarmService(alarmRepo, events, clock, log.child({ module: 'alarms' }), {
      raises: config.alarms.chatterRaises,
      windowMs: config.alarms.chatterWindowS * 1000,
      stableMs: config.alarms.chatterStableS * 1000,
    }, config.alarms.staleAlarmH * 3_600_000, {
      shelveMaxMs: config.alarms.shelveMaxH * 3_600_000,
      outOfServiceMaxMs: config.alarms.outOfServiceMaxH * 3_600_000,
      flood: { alarms: config.alarms.floodAlarms, windowMs: config.alarms.floodWindowMin * 60_000 },
      sites: config.sites.map((s) => ({ id: s.id, timezone: s.timezone, devices: s.devices.map((d) => d.id) })),
    });
    const system = new SystemAlarms(alarms, clock);
    const rules = effectiveRules(config);
    const engine = new DetectionEngine(rules);
    const health = new SensorHealth(watchedChannels(config), healthOptions(config), clock());
    // Detection starts warm from the alarms that were active, so a restart raises nothing twice.
    const active = alarms.activeAlarms();
    health.restore(active.filter((a) => isHealthRule(a.ruleId)), clock());
    for (const a of active) {
      if (!isHealthRule(a.ruleId)) engine.restore(a.site as SiteId, a.device as DeviceId, a.channel as ChannelId, a.ruleId, a.level as Level);
    }

    const journal = new Journal(journalDb, { commitIntervalMs: config.storage.commitIntervalMs, maxBatch: config.storage.maxBatch }, log.child({ module: 'journal' }));
    undo.push(() => journal.close());
    // Before any device can connect: the writer thread's boot is not paid by the first readings.
    log.debug({ ms: Math.round(warmWriter(journal)) }, 'journal writer ready');
    // Disk full (issue 8): a gateway alarm while the journal holds readings it cannot commit. Its
    // own save may meet the full disk too (state.db on the same disk): said in the log, not thrown.
    const systemAlarm = (what: string, move: () => void): void => {
      try {
        move();
      } catch (err) {
        log.error({ err }, `gateway alarm ${what} could not be saved`);
      }
    };
    // The reserve file is given up at the first full commit so that alarms still save; the journal
    // writes again only once twice the reserve is free (store/disk-reserve.ts).
    const reserve = new DiskReserve(config.storage.dataDir, DISK_RESERVE_BYTES, log.child({ module: 'disk' }));
    reserve.ensure();
    journal.hasSpace = () => reserve.freeBytes() > 2 * reserve.bytes;
    journal.onDiskFull = (_err, held) => {
      const released = reserve.release();
      log.error({ held, reserveReleased: released }, 'data directory disk full: readings held unacknowledged, disk reserve released for alarms');
      systemAlarm('disk_full', () => system.raise('journal', 'disk_full', held));
    };
    journal.onDiskSpace = () => {
      reserve.ensure();
      systemAlarm('disk_full cleared', () => system.clear('journal', 'disk_full', 0));
    };
    // An alarm move state.db refuses is held and saved again every second (alarms/pending-saves.ts).
    // A full disk there is the same fault: the reserve goes so the next try has room, and the
    // gateway alarm disk_full (part `state`) lasts until every held move is saved.
    alarms.saves.onSaveRefused = (err, held) => {
      if (!isDiskFull(err)) return;
      if (system.isActive('state', 'disk_full')) return; // said once per fault, retried every second
      const released = reserve.release();
      log.error({ heldAlarms: held, reserveReleased: released }, 'data directory disk full: alarm moves held in memory, disk reserve released for them');
      systemAlarm('disk_full', () => system.raise('state', 'disk_full', held));
    };
    alarms.saves.onHeldSaved = () => {
      if (reserve.freeBytes() > 2 * reserve.bytes) reserve.ensure();
      systemAlarm('disk_full cleared', () => system.clear('state', 'disk_full', 0));
    };
    // storage.influx chooses InfluxDB (issue 4); the journal is its durable spool either way.
    const telemetry: TelemetryStore = config.storage.influx
      ? influxStoreFromConfig(config, { journalDb, stateDb }, clock, log.child({ module: 'influx' }), {
          onSpoolOverflow: (_dropped, total) => system.raise('spool', 'spool_overflow', total),
          onRejected: (count) => system.pulse('influx', 'influx_rejected', count),
        })
      : // Issue 7: drain, retention and history run in a worker thread on its own connection to the journal file.
        new ThreadedSqliteTelemetryStore({
          dataDir: config.storage.dataDir,
          synchronous: config.storage.synchronous,
          retention: { retentionDays: config.storage.retentionDays, aggregateRetentionDays: config.storage.aggregateRetentionDays },
          log: log.child({ module: 'telemetry' }),
        });
    if (telemetry instanceof ThreadedSqliteTelemetryStore) undo.push(() => telemetry.kill(false));
    if (telemetry instanceof InfluxTelemetryStore) void telemetry.prepare();
    const drain = new DrainLoop(
      telemetry,
      journal,
      { intervalMs: config.storage.drainIntervalMs, batchRows: config.storage.influx?.batchRows ?? 20_000, keepMs: config.storage.journalKeepS * 1000 },
      clock,
      log.child({ module: 'drain' }),
    );

    // The ingress is needed by the interlock and the intake by the ingress: a late-bound pipeline.
    let pipeline: ReadingPipeline | undefined;
    const intake = new Intake({
      topics,
      journal,
      dedup: new SeqDedup(),
      limits: { maxFutureMs: config.ingest.maxFutureS * 1000, maxAgeMs: config.ingest.maxAgeS * 1000 },
      clock,
      log: log.child({ module: 'intake' }),
      onTelemetry: (ref, t) => pipeline?.handle(ref, t),
      onRejected: (ref, reason, detail) => events.emit('rejected', { ref, reason, detail }),
    });

    const ingress = ingressFromConfig(config, topics, intake, clock, log, stateDb);

    const interlock = new Interlock({
      repo: orders,
      alarms,
      ingress,
      topics,
      actuators: actuatorsBySite(config),
      policy: config.orders,
      clock,
      events,
      log: log.child({ module: 'orders' }),
    });
    const path = new ReadingPipeline(channelProfiles(config), engine, alarms, interlock, health, VotingPlan.fromConfig(config, rules), events, clock, log.child({ module: 'pipeline' }));
    pipeline = path;

    undo.push(() => ingress.stop());
    await ingress.start();
    undo.push(() => drain.stop());
    drain.start();
    undo.push(() => interlock.stop());
    await interlock.start();
    undo.push(() => notifier.stop());
    notifier.start();
    await trackDeviceStatus(stateDb, ingress, topics, events, clock, log.child({ module: 'status' }), (ref, state, atMs) => path.deviceStatus(ref, state, atMs));
    // Out of descriptors: a gateway alarm while it lasts; counted every 5 s (a readdir of /proc).
    const fdLimit = descriptorLimit();
    const descriptors = new DescriptorWatch(
      fdLimit,
      (open, limit) => {
        log.error({ open, limit }, 'file descriptors nearly exhausted: devices and officers may be refused');
        systemAlarm('descriptors_exhausted', () => system.raise('process', 'descriptors_exhausted', open));
      },
      (open) => systemAlarm('descriptors_exhausted cleared', () => system.clear('process', 'descriptors_exhausted', open)),
    );
    let ticks = 0;
    const healthTimer = setInterval(() => {
      try {
        if (++ticks % 5 === 0) descriptors.check();
        path.tick(clock());
        // The overflow alarm lasts while the backlog is high; it ends once the store catches up.
        if (telemetry instanceof InfluxTelemetryStore && !telemetry.backlogHigh()) system.clear('spool', 'spool_overflow', telemetry.stats.dropped);
      } catch (err) {
        // A timer that throws would end the process: say it and keep watching.
        log.error({ err }, 'sensor-health tick failed');
      }
    }, 1000);
    healthTimer.unref();
    undo.push(() => clearInterval(healthTimer));

    let api: FastifyInstance | null = null;
    if (config.api.enabled) {
      api = buildApp({
        db: stateDb,
        alarms: alarmRepo,
        alarmActions: alarms,
        orders,
        orderActions: interlock,
        telemetry,
        events,
        sites: config.sites,
        rules,
        ...(telemetry instanceof InfluxTelemetryStore ? { spool: () => ({ depth: telemetry.spoolDepth(), ageMs: telemetry.spoolAgeMs() }) } : {}),
        notifications: () => notifier.stats(),
        ...(ingress instanceof AedesIngress
          ? {
              broker: () => {
                const b = ingress.brokerStats();
                return { takeoversRefused: b.takeoversRefused, scryptRuns: b.logins.scryptRuns, digestHits: b.logins.cacheHits, scryptQueued: b.logins.scryptQueued };
              },
            }
          : {}),
        notifier,
        ready: () => ingress.isReady() && journalDb.open,
        log,
        clock,
        // At most half the descriptors for HTTP: MQTT devices keep the rest (descriptors.ts).
        options: { ...config.api, maxConnections: apiConnectionBound(config.api.maxConnections, fdLimit) },
        onAcceptError: (err) => {
          if (err.code === 'EMFILE' || err.code === 'ENFILE') descriptors.exhausted();
        },
      });
      const app = api;
      undo.push(() => app.close());
      await api.listen({ host: config.api.host, port: config.api.port });
    }
    const apiAddress = api?.server.address();

    let stopped = false;
    return {
      config,
      topics,
      events,
      ingress,
      alarms,
      alarmRepo,
      notifier,
      orders,
      interlock,
      intake,
      journal,
      telemetry,
      brokerPort: ingress instanceof AedesIngress ? ingress.port : null,
      apiPort: typeof apiAddress === 'object' && apiAddress ? apiAddress.port : null,
      api,
      async stop() {
        if (stopped) return;
        stopped = true;
        clearInterval(healthTimer);
        interlock.stop();
        await notifier.stop();
        if (api) await api.close();
        // Commit what is pending while the connections are up, so its PUBACKs still go out and
        // the broker does not redeliver it on the next start.
        journal.flush();
        await ingress.stop();
        journal.close();
        await drain.stop();
        if (telemetry instanceof ThreadedSqliteTelemetryStore) await telemetry.close();
        closeDbs();
        log.info('gateway stopped');
      },
      async simulateCrash() {
        if (stopped) return;
        stopped = true;
        clearInterval(healthTimer);
        interlock.stop();
        notifier.abandon();
        // The drain timer stops at once; its last drain then meets the closed file, as it would
        // never run in a killed process.
        const drainStopped = drain.stop().catch((err: unknown) => log.debug({ err }, 'no last drain after a crash'));
        // The store's worker dies with the process: its drain in flight rolls back.
        const storeKilled = telemetry instanceof ThreadedSqliteTelemetryStore ? telemetry.kill(false) : Promise.resolve();
        // The pending batch is lost with the database handles: its commit fails and no callback
        // acknowledges. The intake's reseed after a failed commit would read the closed file.
        journal.onCommitFailed = () => {};
        closeDbs();
        if (ingress instanceof MqttIngress) ingress.abort();
        else await ingress.stop();
        if (api) await api.close();
        await drainStopped;
        await storeKilled;
        log.warn('gateway crashed on purpose (test)');
      },
    };
  } catch (err) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (undoErr) {
        log.warn({ err: undoErr }, 'while undoing a failed start');
      }
    }
    closeDbs();
    throw err;
  }
}
