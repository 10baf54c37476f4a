// What the API needs from the gateway, as narrow interfaces: the runtime passes the real
// services, tests pass the same services over a temporary SQLite file. Optional parts (shelving,
// order steps, out-of-service, alarm metrics) answer 501, and spool and notifications are left out of /metrics
// until the module that provides them is wired.

import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import type { Alarm, AlarmEvent } from '../../gateway/src/alarms/lifecycle.js';
import type { AlarmList } from '../../gateway/src/alarms/alarm-list.js';
import type { ExportSource } from '../../gateway/src/export/export-source.js';
import type { ManualGasTest, StopWorkOrder } from '../../gateway/src/orders/stop-work.js';
import type { HistoryPoint, HistoryQuery } from '../../gateway/src/store/telemetry-store.js';
import type { EventBus } from '../../gateway/src/events.js';
import type { Scope } from '../../gateway/src/contract/scope.js';
import type { Rule, apiSchema } from '../../gateway/src/config/schema.js';
import type { Db } from '../../gateway/src/store/sqlite.js';
import type { Logger } from '../../gateway/src/log.js';
import type { AuditTrail } from '../../gateway/src/audit/audit-trail.js';
import type { TokenStore } from './token-store.js';
import type { Briefing } from '../../gateway/src/notify/briefing.js';
import type { DueReplacements, Fleet, SiteSources } from '../../gateway/src/registry/fleet.js';
import type { FleetWriter } from '../../gateway/src/registry/fleet-writer.js';

/** What the API reads of the fleet registry (gateway/src/registry/live-fleet.ts): sites, regions, due replacements. */
export type FleetReader = Pick<Fleet, 'site'> & Pick<FleetWriter, 'regions'> & DueReplacements;
import type { HazardService } from '../../gateway/src/hazards/hazard-service.js';
import type { InspectionService } from '../../gateway/src/inspections/inspection-service.js';
import type { ScopeReader } from '../../gateway/src/registry/scope-reader.js';
import type { FleetBrowser } from '../../gateway/src/registry/fleet-browser.js';
import type { ScopeTargets } from './users/scope-check.js';

/** A move of a domain state machine: the next value, or a refusal with its reason. */
export interface Moved<T> {
  readonly next: T;
  readonly rejected?: string;
  readonly detail?: string;
  /** On a refused lift: each requirement still unmet, as a code a page can say in its language. */
  readonly missing?: readonly string[];
  /** On a lift refused for blind detectors: which ones (channel `_device`: the whole device) and why. */
  readonly blind?: readonly { device: string; channel: string; why: string }[];
}

/** A device (or, with device null, a whole site) out of service for maintenance. */
export interface OutOfServiceEntry {
  readonly id: string;
  readonly site: string;
  readonly device: string | null;
  readonly by: string;
  readonly reason: string;
  readonly fromMs: number;
  readonly untilMs: number;
  readonly endedAtMs: number | null;
}

export type OutOfServiceMove = { ok: true; entry: OutOfServiceEntry } | { ok: false; rejected: string };

/** AlarmService: the optional members answer 501 in a build that lacks them. */
export interface AlarmActions {
  get(id: string): Alarm | undefined;
  acknowledge(id: string, by: string, note?: string): Moved<Alarm> | undefined;
  close(id: string, by: string, note: string): Moved<Alarm> | undefined;
  shelve?(id: string, by: string, reason: string, untilMs: number): Moved<Alarm> | undefined;
  unshelve?(id: string, by: string): Moved<Alarm> | undefined;
  putOutOfService?(input: { site: string; device: string | null; by: string; reason: string; untilMs: number }): OutOfServiceMove;
  returnToService?(id: string, by: string, note?: string): OutOfServiceMove | undefined;
  listOutOfService?(filter: { site?: string; includeEnded?: boolean; limit?: number }): OutOfServiceEntry[];
  /** ISA-18.2 alarm-system metrics (gateway/src/alarms/metrics.ts). */
  metrics?(query: { fromMs: number; toMs: number; site?: string; scope?: Scope }): unknown;
}

export interface OrderActions {
  /** `gasTest`: the manual gas test needed while a detector of the site is blind (gateway/src/orders/sign-off.ts). */
  lift(orderId: string, by: string, note: string, gasTest?: ManualGasTest): Moved<StopWorkOrder> | undefined;
  /** Being added to Interlock by the order-lifecycle work; 501 until then. */
  recordRectification?(orderId: string, by: string, note: string): Moved<StopWorkOrder> | undefined;
  recordInspection?(orderId: string, by: string, note: string): Moved<StopWorkOrder> | undefined;
}

export interface SiteInfo {
  readonly id: string;
  readonly name: string;
  /** Where responders go and who to call, from the site's config (optional there). */
  readonly address?: string | undefined;
  readonly contact?: string | undefined;
  /** IANA zone of the site's wall clock (config `timezone`), for exported times. */
  readonly timezone?: string | undefined;
  readonly devices: readonly { readonly id: string; readonly kind: string; readonly staleAfterS?: number; readonly channels: Readonly<Record<string, { readonly quantity: string }>> }[];
}

/** A notification as the outbox keeps it (gateway/src/notify/outbox.ts); its body is not served. */
export interface NotificationRecord {
  readonly id: number;
  readonly key: string;
  readonly alarmId: string | null;
  readonly kind: string;
  readonly level: string | null;
  readonly recipient: string;
  readonly channel: string;
  readonly address: string | null;
  readonly title: string;
  readonly state: 'pending' | 'sent' | 'failed';
  readonly attempts: number;
  readonly nextAtMs: number;
  readonly lastError: string | null;
  readonly createdAtMs: number;
  readonly sentAtMs: number | null;
}

/** The notifier (gateway/src/notify/notifier.ts): the outbox and the daily briefing. */
export interface NotificationService {
  /** `scope`: the caller's, in the SQL (the notices of its sites' alarms; briefings for `all` only). */
  list(filter: { state?: NotificationRecord['state']; alarmId?: string; beforeId?: number; limit: number; scope?: Scope }): NotificationRecord[];
  get(id: number): NotificationRecord | undefined;
  /** A failed row back to pending (runs inside the route's audit transaction); false if not failed. */
  requeue(id: number): boolean;
  personName(id: string): string | undefined;
  regions(): readonly { id: string; name: string }[];
  /** The regions a briefing may be asked for: the configured ones (or `all`) and the registry's. */
  briefingRegions(): readonly { id: string; name: string }[];
  latestBriefingDate(nowMs: number): string;
  briefingOn(
    date: string,
    regionId?: string | { id: string; name: string; sites: string[] },
  ): { window: { date: string; fromMs: number; toMs: number }; timeZone: string; language: 'zh' | 'en'; region: { id: string; name: string }; briefing: Briefing } | undefined;
}

/** History with the optional downsampling the store may support (`every`, `agg`). */
export type HistoryRequest = HistoryQuery & { readonly every?: string; readonly agg?: string };

export type ApiOptions = z.output<typeof apiSchema> & {
  /** Events kept for Last-Event-ID replay (contract: 10 000). */
  readonly streamReplayEvents?: number;
  /** Bytes a stream client may leave unread before it is dropped. */
  readonly streamMaxBufferedBytes?: number;
};

export interface ApiDeps {
  /** state.db: tokens, audit log and device status live here. */
  readonly db: Db;
  readonly alarms: { events(alarmId: string): AlarmEvent[] };
  readonly alarmActions: AlarmActions;
  /** The alarm list (gateway/src/alarms/alarm-list-query.ts over state.db in the gateway). */
  readonly alarmList: AlarmList;
  readonly orders: {
    get(id: string): StopWorkOrder | undefined;
    latestForSite(site: string): StopWorkOrder | undefined;
    /** Newest first, filtered (scope included) in the gateway's SQL. */
    list(filter: { site?: string | undefined; state?: StopWorkOrder['state'] | undefined; limit: number; scope?: Scope | undefined }): StopWorkOrder[];
  };
  /** The site list and the region tree, scoped in the gateway's SQL; /sites and /regions answer 501 without it. */
  readonly fleetBrowser?: FleetBrowser;
  /** Which sites a scope holds, asked of the registry's tables (without it: `all` holds every site, any other scope none). */
  readonly scopes?: ScopeReader;
  readonly orderActions: OrderActions;
  /** The records of the exports (gateway/src/export/export-source-query.ts over state.db in the gateway). */
  readonly exportSource: ExportSource;
  readonly telemetry?: { history(query: HistoryQuery): Promise<HistoryPoint[]> };
  readonly events?: EventBus;
  readonly sites: readonly SiteInfo[];
  /** The rules the detection engine runs now (they follow the fleet). */
  readonly rules: () => readonly Rule[];
  /** A device's last birth or last will in gateway time (gateway/src/ingest/status.ts), undefined before the first. */
  readonly deviceStatus: (site: string, device: string) => { readonly state: string; readonly atMs: number } | undefined;
  readonly spool?: () => { depth: number; ageMs: number };
  readonly notifications?: () => { sent: number; failed: number; retried: number; pending: number };
  /** The hazard ledger (gateway/src/hazards/ledger.ts over state.db); /hazards answers 501 without it. */
  readonly hazards?: HazardService;
  /** Inspection rounds (巡检); absent in builds without them (the routes answer 501). */
  readonly inspections?: InspectionService;
  /** The outbox and the briefing; their routes answer 501 without it. */
  readonly notifier?: NotificationService;
  /** Broker connected and stores writable. */
  readonly ready: () => boolean;
  readonly log: Logger;
  readonly clock?: () => number;
  /** config.api (defaults when absent). */
  readonly options?: Partial<ApiOptions>;
  readonly tokens?: TokenStore;
  /** The audit trail (gateway/src/audit/audit-log.ts over state.db in the gateway). */
  readonly audit: AuditTrail;
  /** The embedded broker's login counters (absent with an external broker). */
  readonly broker?: () => { readonly takeoversRefused: number; readonly scryptRuns: number; readonly digestHits: number; readonly scryptQueued: number };
  /** An accept of the HTTP server failed (EMFILE: out of descriptors); the runtime raises an alarm. */
  readonly onAcceptError?: (err: NodeJS.ErrnoException) => void;
  /** The fleet registry; GET /devices/due answers 501 without it. */
  readonly fleet?: FleetReader;
  /** The same registry as its writer (gateway/src/registry/live-fleet.ts): sites and devices edited
   * and imported while the gateway runs; those routes answer 501 without it. */
  readonly registry?: Fleet & FleetWriter & Partial<SiteSources>;
  /** Which sites, regions and organisations a user's or token's scope may name; absent: the sites
   * above, and no region or organisation. */
  readonly scopeTargets?: ScopeTargets;
  /** The web page (dashboard-api/src/static.ts), registered at `/` when given. */
  readonly staticPage?: FastifyPluginAsync;
}
