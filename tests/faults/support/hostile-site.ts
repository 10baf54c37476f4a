// What the hostile scenarios share: the kitchen with N detectors on one password hash, the
// observer account that may read dead letters, and the alarm count from state.db.

import Database from 'better-sqlite3';
import { demoConfig, DEMO_SITE } from '../../../gateway/src/config/demo.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { statePath } from '../../../gateway/src/store/state-db.js';
import type { startTestGateway } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/fixture.js';


export const SITE = DEMO_SITE;
/** A gateway-role account: the only kind that may read dead letters (broker/src/acl.ts). */
export const OBSERVER = { username: 'faults-observer', password: 'observer-secret-8' };

export function gasIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `gas-${String(i + 1).padStart(2, '0')}`);
}

/** The demo kitchen with `n` detectors sharing gas-01's hash (no scrypt per test device), and an observer account. */
export function hostileSite(input: ConfigInput, n: number, observerHash: string): void {
  const demo = demoConfig().sites[0]!;
  const gas = demo.devices.find((d) => d.id === 'gas-01')!;
  input.sites = [{ ...demo, devices: [...gasIds(n).map((id) => ({ ...gas, id })), ...demo.devices.filter((d) => d.id !== 'gas-01')] }];
  input.broker = { ...input.broker, users: [{ username: OBSERVER.username, passwordHash: observerHash, role: 'gateway' }] };
}

export const ref = (device: string) => ({ site: SITE as SiteId, device: device as DeviceId });

export function alarmRows(dataDir: string): { device: string; channel: string; rule: string; n: number }[] {
  const db = new Database(statePath(dataDir), { readonly: true });
  try {
    return db.prepare("SELECT device, channel, rule_id AS rule, count(*) AS n FROM alarm WHERE site = ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").all(SITE) as { device: string; channel: string; rule: string; n: number }[];
  } finally {
    db.close();
  }
}
