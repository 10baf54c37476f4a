// What every fault scenario shares: the site it runs (one kitchen with N gas detectors and a
// valve), the devices' logins, and the counting at the end: readings acknowledged to a device
// against readings in the store, alarms per sensor, rule and episode in state.db.

import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { demoConfig, DEMO_PASSWORDS, DEMO_SITE } from '../../../gateway/src/config/demo.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { journalPath } from '../../../gateway/src/store/journal-db.js';
import { statePath } from '../../../gateway/src/store/state-db.js';
import { SYSTEM_SITE } from '../../../gateway/src/alarms/system-alarms.js';
import type { DeviceFleet, DeviceLogin } from './load.js';
import type { FaultRow } from './fault-row.js';

/** A report row plus the facts its test asserts on beyond the counts. */
export type ScenarioRow = FaultRow & { checks: Record<string, boolean | number | string> };

export const SITE = DEMO_SITE;
export const LEAK_DEVICE = 'gas-01';
/** Red methane: above the kitchen preset's 50 %LEL red level (GB/T 50493-2019 second-level alarm). */
export const RED_CH4 = 60;
/** Yellow methane: between the preset's yellow 20 and orange 25 %LEL. */
export const YELLOW_CH4 = 22;

export interface ScenarioOptions {
  /** Gas detectors publishing (gas-01 is the leaking one). */
  readonly devices: number;
  /** Readings per second per device. */
  readonly ratePerS: number;
  /** How long the fault lasts (a broker down, an outage), ms. */
  readonly faultMs: number;
  /** Load before and after the fault, ms each. */
  readonly steadyMs: number;
  /** Say what happens (stderr), for the report and soak runs. */
  readonly verbose?: boolean;
}

export const SUITE_OPTIONS: ScenarioOptions = { devices: 10, ratePerS: 20, faultMs: 2000, steadyMs: 2500 };
/** `npm run soak`: 1 000 msg/s, faults of 30 s (the outages scenario: two minutes, report.ts). */
export const SOAK_OPTIONS: ScenarioOptions = { devices: 50, ratePerS: 20, faultMs: 30_000, steadyMs: 20_000, verbose: true };

export function loadLabel(o: ScenarioOptions): string {
  return `${o.devices} devices × ${o.ratePerS} msg/s, QoS1`;
}

export function say(o: ScenarioOptions, what: string): void {
  if (o.verbose) process.stderr.write(`[faults ${new Date().toISOString().slice(11, 23)}] ${what}\n`);
}

export function gasIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `gas-${String(i + 1).padStart(2, '0')}`);
}

/** Every detector shares gas-01's demo password, so no scrypt hashing per test device. */
export function detectorLogins(n: number): DeviceLogin[] {
  return gasIds(n).map((device) => ({ site: SITE, device, password: DEMO_PASSWORDS['gas-01'] }));
}

export const VALVE_LOGIN: DeviceLogin = { site: SITE, device: 'valve-01', password: DEMO_PASSWORDS['valve-01'] };

/** The demo kitchen widened to `n` gas detectors and its valve (the fan is left out), with the
 * shipped command retry policy (3 s × 5): the tests' 0.5 s would trip on a loaded machine. */
export function faultSite(input: ConfigInput, n: number): void {
  const demo = demoConfig().sites[0]!;
  const gas = demo.devices.find((d) => d.id === 'gas-01')!;
  const valve = demo.devices.find((d) => d.id === 'valve-01')!;
  input.sites = [{ ...demo, devices: [...gasIds(n).map((id) => ({ ...gas, id })), valve] }];
  input.orders = { ackTimeoutMs: 3000, maxAttempts: 5 };
}

/** Leak on gas-01 (red) when `leak`, clean air elsewhere. */
export function leakReadings(leak: () => boolean, extra: Record<string, number> = {}): (device: string, seq: number) => Record<string, number> {
  return (device, seq) => {
    if (device === LEAK_DEVICE && leak()) return { ch4: RED_CH4, co: 3 };
    if (extra[device] !== undefined) return { ch4: extra[device], co: 3 };
    return { ch4: 1 + (seq % 10) / 10, co: 3 };
  };
}

/** Readings acknowledged to a device that are not in the embedded store (`sample`) of `dataDir`. */
export function missingFromSqliteStore(dataDir: string, fleet: DeviceFleet): { published: number; stored: number; missing: string[] } {
  const db = new Database(journalPath(dataDir), { readonly: true });
  try {
    const find = db.prepare('SELECT 1 FROM sample WHERE site = ? AND device = ? AND seq = ?');
    return countMissing(fleet, (site, device, seq) => find.get(site, device, seq) !== undefined);
  } finally {
    db.close();
  }
}

export function countMissing(fleet: DeviceFleet, has: (site: string, device: string, seq: number) => boolean): { published: number; stored: number; missing: string[] } {
  let published = 0;
  let stored = 0;
  const missing: string[] = [];
  for (const [key, seqs] of fleet.acked) {
    const [site, device] = key.split('/') as [string, string];
    for (const seq of seqs) {
      published++;
      if (has(site, device, seq)) stored++;
      else if (missing.length < 20) missing.push(`${key}#${seq}`);
    }
  }
  return { published, stored, missing };
}

export interface AlarmCount {
  /** Alarm rows of the sites (gateway self-alarms apart). */
  raised: number;
  /** Rows beyond the first per sensor + rule: each scenario has one episode per sensor + rule. */
  duplicated: number;
  keys: string[];
  /** Gateway self-alarms (`_gateway`), rule ids. */
  system: string[];
}

export function countAlarms(dataDir: string): AlarmCount {
  const file = statePath(dataDir);
  if (!existsSync(file)) return { raised: 0, duplicated: 0, keys: [], system: [] };
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT site, device, channel, rule_id AS rule, count(*) AS n FROM alarm WHERE site != ? GROUP BY site, device, channel, rule_id ORDER BY 1, 2, 3, 4`)
      .all(SYSTEM_SITE) as { site: string; device: string; channel: string; rule: string; n: number }[];
    const system = (db.prepare('SELECT device, rule_id AS rule FROM alarm WHERE site = ?').all(SYSTEM_SITE) as { device: string; rule: string }[]).map((r) => `${r.device}:${r.rule}`);
    return {
      raised: rows.reduce((s, r) => s + r.n, 0),
      duplicated: rows.reduce((s, r) => s + r.n - 1, 0),
      keys: rows.map((r) => `${r.device}/${r.channel}/${r.rule}×${r.n}`),
      system,
    };
  } finally {
    db.close();
  }
}

/** Time from `sinceMs` to the first reading the gateway received after it (journal.received_ms). */
export function firstReceivedAfter(dataDir: string, sinceMs: number): number | null {
  const db = new Database(journalPath(dataDir), { readonly: true });
  try {
    const row = db.prepare('SELECT min(received_ms) AS at FROM reading WHERE received_ms >= ?').get(sinceMs) as { at: number | null };
    return row.at === null ? null : row.at - sinceMs;
  } finally {
    db.close();
  }
}

export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
