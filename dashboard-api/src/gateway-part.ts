// The dashboard API as a part of the gateway's process: built from the faces the gateway exports
// (gateway/src/runtime.ts GatewayFaces), listening once started, closed first at stop.

import type { FastifyInstance } from 'fastify';
import type { FrontPart, GatewayFaces } from '../../gateway/src/runtime.js';
import { buildApp } from './app.js';
import { configTargets } from './users/scope-check.js';

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
    scopeTargets: configTargets(g.config),
    rules: g.rules,
    deviceStatus: (site, device) => g.deviceStatus(site, device),
    scopes: g.scopes,
    fleetBrowser: g.fleetBrowser,
    audit: g.audit,
    ...(telemetry.spoolStatus ? { spool: () => telemetry.spoolStatus!() } : {}),
    notifications: () => g.notifier.stats(),
    notifier: g.notifier,
    ready: g.ready,
    ...(g.loginStats ? { broker: g.loginStats } : {}),
    fleet: g.fleet,
    log: g.log,
    clock: g.clock,
    // At most half the descriptors for HTTP: MQTT devices keep the rest.
    options: { ...g.config.api, maxConnections: g.descriptors.apiBound(g.config.api.maxConnections) },
    onAcceptError: (err) => {
      if (err.code === 'EMFILE' || err.code === 'ENFILE') g.descriptors.exhausted();
    },
  });
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
  };
}
