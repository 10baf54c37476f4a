// The gateway as a list of parts, in start order; each is built from its typed dependencies, and
// they stop in reverse (parts/part.ts). State and journal first, then the alarm side warm from
// the open alarms, then the broker, then the stop-work interlock (which republishes open orders),
// then the API that the command line composes in.

import { makeTopics, type Topics } from './contract/topics.js';
import type { Config, Rule } from './config/schema.js';
import { EventBus } from './events.js';
import type { Logger } from './log.js';
import type { Db } from './store/sqlite.js';
import type { TelemetryStore } from './store/telemetry-store.js';
import type { Journal } from './ingest/journal.js';
import type { Intake } from './ingest/intake.js';
import type { Ingress, LoginStats, TlsReload } from './ingest/ingress.js';
import { ingressFromConfig } from './ingest/ingress-from-config.js';
import { deviceStatusReader, type DeviceStatus } from './ingest/status.js';
import type { AlarmRepository } from './alarms/repository.js';
import type { AlarmService } from './alarms/service.js';
import type { AlarmList } from './alarms/alarm-list.js';
import { AuditLog } from './audit/audit-log.js';
import type { ScopeReader } from './registry/scope-reader.js';
import { SqlScopeReader } from './registry/scope-reader-query.js';
import type { FleetBrowser } from './registry/fleet-browser.js';
import { FleetBrowserQuery } from './registry/fleet-browser-query.js';
import type { AuditTrail } from './audit/audit-trail.js';
import type { ExportSource } from './export/export-source.js';
import { exportSourceOver } from './export/export-source-query.js';
import type { Notifier } from './notify/notifier.js';
import { OrderRepository } from './orders/repository.js';
import type { Interlock } from './orders/interlock.js';
import { PartList, type Part, type PartHealth } from './parts/part.js';
import { databases, diskGuard, journalPart, telemetryPart } from './parts/storage.js';
import { alarmsPart, detectionFor, notifierPart } from './parts/alarms.js';
import { descriptorsPart } from './parts/descriptors.js';
import { certExpiryWatch, tlsExpiryWatch } from './parts/tls-expiry.js';
import { CONFIG_ACTOR, registryPart } from './parts/registry.js';
import { applyConfig, type ApplyResult, type FleetFile } from './registry/apply-config.js';
import { followFleet } from './parts/fleet-followers.js';
import { fleetFollowersOf } from './parts/fleet-followers-list.js';
import { hazardsPart } from './parts/hazards.js';
import type { HazardLedger } from './hazards/ledger.js';
import { inspectionBook } from './parts/inspections.js';
import type { InspectionBook } from './inspections/book.js';
import type { DueReplacements, Fleet } from './registry/fleet.js';
import type { FleetWriter } from './registry/fleet-writer.js';
import { deviceStatusPart, healthTick, ingressPart, intakeFor, interlockFor, interlockPart, pipelineFor, type Common } from './parts/message-path.js';

/** What the gateway offers a front end (the dashboard API): its services, never its tables' owners' internals. */
export interface GatewayFaces {
  /** The file's config, with the fleet registry's sites, regions and organisations as at start. */
  readonly config: Config;
  /** The sites and devices now (they change while running), their changes, and the writes that change them. */
  readonly fleet: Fleet & FleetWriter & DueReplacements;
  /** state.db: tokens, audit log and device status live here next to the alarm read model. */
  readonly stateDb: Db;
  readonly events: EventBus;
  readonly alarmRepo: AlarmRepository;
  readonly alarms: AlarmService;
  /** The alarm list with its filters, orders and pages; the front never queries the alarm table. */
  readonly alarmList: AlarmList;
  readonly orders: OrderRepository;
  /** Alarms, orders and device statuses for the reports, a page at a time; the front never queries their tables. */
  readonly exportSource: ExportSource;
  readonly interlock: Interlock;
  readonly telemetry: TelemetryStore;
  readonly notifier: Notifier;
  /** The rules the detection engine runs now: a preset site added at run time brings its own. */
  readonly rules: () => readonly Rule[];
  /** Every officer's and admin's action, hash-chained, written in the action's own transaction. */
  readonly audit: AuditTrail;
  /** The hazard ledger (隐患台账): each move with its audit entry in one transaction. */
  readonly hazards: HazardLedger;
  /** Inspection rounds (巡检): each move with its audit entry; failed items become hazards. */
  readonly inspections: InspectionBook;
  /** Which sites a caller's scope holds (the registry's tables): the front asks, never reads them. */
  readonly scopes: ScopeReader;
  /** The site list and the region tree within a scope; the front never reads the registry's tables. */
  readonly fleetBrowser: FleetBrowser;
  /** A device's last birth or last will (undefined before the first); the front never reads the table. */
  deviceStatus(site: string, device: string): DeviceStatus | undefined;
  /** Broker connected and journal writable. */
  ready(): boolean;
  /** The embedded broker's login counters, absent with an external broker. */
  readonly loginStats?: () => LoginStats;
  /** The process's descriptors: the API's share of them, and an accept that failed for want of one. */
  readonly descriptors: { apiBound(configured: number): number; exhausted(): void };
  readonly log: Logger;
  readonly clock: () => number;
}

/** A front end served by the gateway's process, started last and stopped first. */
export interface FrontPart extends Part {
  /** The port it listens on, once started. */
  port(): number | null;
  /** Re-reads its HTTPS certificate and key (api.tls, SIGHUP); undefined when it serves plain HTTP. */
  reloadTls?(): TlsReload | undefined;
  /** When the HTTPS certificate it serves expires; undefined over plain HTTP. */
  tlsValidTo?(): Date | undefined;
}

export interface RuntimeOptions {
  readonly log: Logger;
  readonly clock?: () => number;
  /** Builds the API part from the gateway's faces (the command line passes the dashboard's). */
  readonly front?: (faces: GatewayFaces) => FrontPart;
}

/** A running gateway as its users hold it: the command line, the demo, the benchmarks. */
export interface Runtime {
  readonly config: Config;
  readonly fleet: Fleet & FleetWriter & DueReplacements;
  readonly topics: Topics;
  readonly events: EventBus;
  /** The services a front end uses, the same the dashboard is given: an officer's moves, the
   * alarm list, the notifier whose roster SIGHUP replaces. */
  readonly faces: GatewayFaces;
  /** The broker port actually bound in embedded mode (config may ask for 0). */
  readonly brokerPort: number | null;
  /** The MQTT-over-TLS port bound in embedded mode with broker.tls, else null. */
  readonly brokerTlsPort: number | null;
  /** The front end's port, null without one. */
  readonly frontPort: number | null;
  /** Resolves once every reading taken so far is committed to the journal and drained into the
   * time-series store (the demo and the benchmarks count what was stored). */
  flush(): Promise<void>;
  /** Each part's health by name. */
  health(): PartHealth;
  /**
   * Applies a re-read file's regions, organisations and sites to the fleet registry (SIGHUP): the
   * file's records win, those it dropped go, the registry's own stay (registry/apply-config.ts).
   * Throws RegistryError, changing nothing, when the registry refuses the file.
   */
  reloadFleet(file: FleetFile): ApplyResult;
  /** Re-reads the broker's TLS certificate and key (SIGHUP); undefined without broker.tls. */
  reloadTls(): TlsReload | undefined;
  /** Re-reads the API's HTTPS certificate and key (SIGHUP); undefined without api.tls. */
  reloadApiTls(): TlsReload | undefined;
  stop(): Promise<void>;
}

/** The collaborators of the message path behind the faces. No user needs them; the test
 * fixture reads them through `insideOf` (a journal's commit count, a broker's login figures, the
 * disk filled on the journal's own connection), and nothing else should. */
export interface RuntimeInside {
  readonly ingress: Ingress;
  readonly intake: Intake;
  readonly journal: Journal;
}

const insides = new WeakMap<Runtime, RuntimeInside>();

/** The message path's collaborators of a runtime started by `startRuntime` (see RuntimeInside). */
export function insideOf(runtime: Runtime): RuntimeInside {
  const inside = insides.get(runtime);
  if (!inside) throw new Error('insideOf: not a runtime started by startRuntime');
  return inside;
}

export async function startRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const log = options.log;
  const clock = options.clock ?? Date.now;
  const parts = new PartList(log);
  try {
    const files = await parts.add(databases(config));
    // From here on every part reads the registry's sites (the file's, and those made by the API).
    const registry = await parts.add(registryPart(config, files.stateDb, clock, log));
    const fleet = registry.fleet;
    config = registry.config;
    const c: Common = { config, topics: makeTopics(config.topicPrefix), events: new EventBus(log.child({ module: 'events' })), clock, log };
    const alarms = await parts.add(alarmsPart(config, files.stateDb, c.events, clock, log));
    const notify = await parts.add(notifierPart(config, files.stateDb, alarms, c.events, clock, log));
    const orders = new OrderRepository(files.stateDb);
    const audit = new AuditLog(files.stateDb);
    // Before anything saves an alarm: a red alarm's closure makes its hazard record in its own save.
    const hazards = await parts.add(hazardsPart({ stateDb: files.stateDb, fleet, events: c.events, alarmSaves: alarms.repo, audit, notifier: notify.notifier, orders, clock, log }));
    const inspections = inspectionBook({ stateDb: files.stateDb, fleet, audit, hazards: hazards.ledger, clock, log });
    const journal = await parts.add(journalPart(config, files.journalDb, log));
    await parts.add(diskGuard(journal, alarms.service.saves, alarms.system, log));
    const telemetry = await parts.add(telemetryPart(config, files, journal.journal, alarms.system, clock, log));

    // Built in the order they need each other, started below in the order messages flow.
    const detection = detectionFor(config, alarms.service, clock);
    const ingress = ingressFromConfig(config, c.topics, clock, log, files.stateDb);
    const interlock = interlockFor(c, orders, alarms.service, ingress);
    const path = pipelineFor(c, detection, alarms.service, interlock);
    const intake = intakeFor(c, journal.journal, path);

    await parts.add(ingressPart(ingress, intake, journal.journal));
    await parts.add(interlockPart(interlock));
    await parts.add(deviceStatusPart(c, files.stateDb, ingress, path, interlock));
    await parts.add(healthTick(c, path, telemetry.store, alarms.system));
    const descriptors = await parts.add(descriptorsPart(alarms.system, log));
    await parts.add(tlsExpiryWatch(ingress, alarms.system, clock));
    // The parts that follow the fleet live, in order: broker accounts, detection, interlock,
    // alarms, notifier (each an applySites of its own).
    const { followers: following, detection: rulesNow } = fleetFollowersOf({ config, detection, interlock, alarms: alarms.service, notifier: notify.notifier, events: c.events, clock, log });
    await parts.add(followFleet(fleet, [{ name: 'broker accounts', follower: ingress }, ...following], log));
    const faces: GatewayFaces = {
      ...c,
      fleet,
      stateDb: files.stateDb,
      alarmRepo: alarms.repo,
      alarms: alarms.service,
      alarmList: alarms.list,
      orders,
      exportSource: exportSourceOver(files.stateDb),
      interlock,
      telemetry: telemetry.store,
      notifier: notify.notifier,
      rules: () => rulesNow.rules(),
      deviceStatus: deviceStatusReader(files.stateDb),
      scopes: new SqlScopeReader(files.stateDb),
      fleetBrowser: new FleetBrowserQuery(files.stateDb),
      audit,
      hazards: hazards.ledger,
      inspections,
      ready: () => ingress.isReady() && files.journalDb.open,
      ...(ingress.loginStats ? { loginStats: () => ingress.loginStats!() } : {}),
      descriptors,
    };
    // Built before its expiry watch is started, started after it: the front stays the last part up
    // and the first one down.
    const built = options.front ? options.front(faces) : null;
    const frontTls = built?.tlsValidTo
      ? await parts.add(certExpiryWatch({ name: 'api tls expiry watch', part: 'api-tls', condition: 'api_tls_cert_expiring', validTo: () => built.tlsValidTo!() }, alarms.system, clock))
      : null;
    const front = built ? await parts.add(built) : null;

    const runtime: Runtime = {
      ...c,
      fleet,
      faces,
      brokerPort: ingress.port ?? null,
      brokerTlsPort: ingress.tlsPort ?? null,
      frontPort: front?.port() ?? null,
      async flush() {
        journal.journal.flush();
        await telemetry.store.flush();
      },
      health: () => parts.health(),
      reloadTls: () => ingress.reloadTls?.(),
      reloadApiTls: () => {
        const reloaded = front?.reloadTls?.();
        frontTls?.check(); // a renewed certificate clears its expiry alarm at once
        return reloaded;
      },
      reloadFleet: (file) => applyConfig(fleet, file, { actor: CONFIG_ACTOR, atMs: clock() }),
      async stop() {
        await parts.stop();
        log.info('gateway stopped');
      },
    };
    insides.set(runtime, { ingress, intake, journal: journal.journal });
    return runtime;
  } catch (err) {
    await parts.stop();
    throw err;
  }
}
