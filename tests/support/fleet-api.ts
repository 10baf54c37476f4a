// The dashboard API over a real state.db with the live fleet registry (LiveFleet), listening on a
// loopback port, for the provisioning tests: import, one device at a time, sites.

import { buildApp } from '../../dashboard-api/src/app.js';
import { hashToken } from '../../dashboard-api/src/token-store.js';
import { AlarmRepository } from '../../gateway/src/alarms/repository.js';
import { AlarmService } from '../../gateway/src/alarms/service.js';
import { AlarmListQuery } from '../../gateway/src/alarms/alarm-list-query.js';
import { AuditLog } from '../../gateway/src/audit/audit-log.js';
import { EventBus } from '../../gateway/src/events.js';
import { exportSourceOver } from '../../gateway/src/export/export-source-query.js';
import { deviceStatusReader } from '../../gateway/src/ingest/status.js';
import { silentLogger } from '../../gateway/src/log.js';
import { OrderRepository } from '../../gateway/src/orders/repository.js';
import { LiveFleet } from '../../gateway/src/registry/live-fleet.js';
import { RegistryStore } from '../../gateway/src/registry/registry-store.js';
import { FleetBrowserQuery } from '../../gateway/src/registry/fleet-browser-query.js';
import { SqlScopeReader } from '../../gateway/src/registry/scope-reader-query.js';
import { openStateDb } from '../../gateway/src/store/state-db.js';
import type { Db } from '../../gateway/src/store/sqlite.js';
import { tempDir } from './tmp.js';

export const FLEET_TOKENS = {
  admin: 'sb_fleet-admin-0123456789abcdefghijklmnopqrstuvwxyz',
  viewer: 'sb_fleet-viewer-0123456789abcdefghijklmnopqrstuvwxyz',
  /** An admin of one gas company: scope org:gas-a. */
  gasAdmin: 'sb_fleet-gas-admin-0123456789abcdefghijklmnopqrstuvwxyz',
} as const;

export interface FleetApi {
  readonly app: ReturnType<typeof buildApp>;
  readonly fleet: LiveFleet;
  readonly db: Db;
  readonly dir: ReturnType<typeof tempDir>;
  /** http://127.0.0.1:port */
  readonly url: string;
  close(): Promise<void>;
}

export async function startFleetApi(): Promise<FleetApi> {
  const dir = tempDir();
  const db = openStateDb(dir.path);
  const log = silentLogger();
  const fleet = new LiveFleet(new RegistryStore(db), log);
  const repo = new AlarmRepository(db);
  const app = buildApp({
    db,
    alarms: repo,
    alarmList: new AlarmListQuery(db),
    exportSource: exportSourceOver(db),
    deviceStatus: deviceStatusReader(db),
    audit: new AuditLog(db),
    alarmActions: new AlarmService({ repo, events: new EventBus(log), clock: Date.now, log }),
    orders: new OrderRepository(db),
    // No order is lifted here: these tests provision devices.
    orderActions: { lift: () => undefined },
    sites: [],
    rules: () => [],
    ready: () => true,
    log,
    fleet,
    registry: fleet,
    scopes: new SqlScopeReader(db),
    fleetBrowser: new FleetBrowserQuery(db),
    options: {
      bootstrapTokens: [
        { name: 'admin Wang', role: 'admin', tokenHash: hashToken(FLEET_TOKENS.admin) },
        { name: 'viewer Zhao', role: 'viewer', tokenHash: hashToken(FLEET_TOKENS.viewer) },
        { name: 'gas-a admin Sun', role: 'admin', tokenHash: hashToken(FLEET_TOKENS.gasAdmin), scope: { kind: 'org', org: 'gas-a' } },
      ],
      rateLimit: { max: 100_000, windowS: 60 },
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    fleet,
    db,
    dir,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      db.close();
      dir.remove();
    },
  };
}

export const adminAuth = { authorization: `Bearer ${FLEET_TOKENS.admin}` };
