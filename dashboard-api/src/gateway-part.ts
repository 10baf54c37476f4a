// The dashboard API as a part of the gateway's process: built from the faces the gateway exports
// (gateway/src/runtime.ts GatewayFaces), listening once started, closed first at stop.

import type { FastifyInstance } from 'fastify';
import type { FrontPart, GatewayFaces } from '../../gateway/src/runtime.js';
import { buildApp } from './app.js';
import type { Server as HttpsServer } from 'node:https';
import { apiTlsValidTo, reloadApiTls } from './api-tls.js';

export interface DashboardPart extends FrontPart {
  /** The app itself: tests reach it with inject. */
  readonly app: FastifyInstance;
}

export function dashboardPart(g: GatewayFaces): DashboardPart {
  const { telemetry } = g;
  const app = buildApp({
    db: g.stateDb,
    alarms: g.alarmRepo,
    alarmActions: g.alarms,
    alarmList: g.alarmList,
    orders: g.orders,
    exportSource: g.exportSource,
    orderActions: g.interlock,
    telemetry,
    events: g.events,
    sites: g.config.sites,
    // The live registry: a region or site added through the API after start can be named at once.
    scopeTargets: {
      site: (id) => g.fleet.site(id) !== undefined,
      region: (id) => g.fleet.regions().some((r) => r.id === id),
      org: (id) => g.fleet.organisations().some((o) => o.id === id),
    },
    rules: g.rules,
    deviceStatus: (site, device) => g.deviceStatus(site, device),
    scopes: g.scopes,
    fleetBrowser: g.fleetBrowser,
    audit: g.audit,
    ...(telemetry.spoolStatus ? { spool: () => telemetry.spoolStatus!() } : {}),
    notifications: () => g.notifier.stats(),
    notifier: g.notifier,
    hazards: g.hazards,
    inspections: g.inspections,
    ready: g.ready,
    ...(g.loginStats ? { broker: g.loginStats } : {}),
    fleet: g.fleet,
    registry: g.fleet,
    log: g.log,
    clock: g.clock,
    // At most half the descriptors for HTTP: MQTT devices keep the rest.
    options: { ...g.config.api, maxConnections: g.descriptors.apiBound(g.config.api.maxConnections) },
    onAcceptError: (err) => {
      if (err.code === 'EMFILE' || err.code === 'ENFILE') g.descriptors.exhausted();
    },
  });
  // The certificate served now, for its expiry alarm (runtime.ts); a good reload replaces it.
  let validTo = g.config.api.tls ? apiTlsValidTo(g.config.api.tls) : undefined;
  return {
    name: 'api',
    app,
    start: async () => {
      await app.listen({ host: g.config.api.host, port: g.config.api.port });
    },
    stop: () => app.close(),
    port: () => {
      const address = app.server.address();
      return typeof address === 'object' && address ? address.port : null;
    },
    ...(g.config.api.tls ? { tlsValidTo: () => validTo } : {}),
    reloadTls: () => {
      const tls = g.config.api.tls;
      if (!tls) return undefined;
      const outcome = reloadApiTls(app.server as unknown as HttpsServer, tls);
      // What is served now, or why the previous certificate stays: the log says it either way.
      if (outcome.ok) validTo = outcome.validTo;
      if (outcome.ok) g.log.info({ module: 'api', subject: outcome.subject, validTo: outcome.validTo.toISOString(), fingerprint256: outcome.fingerprint256 }, 'API HTTPS certificate reloaded');
      else g.log.error({ module: 'api', problems: outcome.problems }, 'API HTTPS certificate not reloaded: still serving the previous one');
      return outcome;
    },
  };
}
