// Device birth and last-will messages: who is online, recorded in the state database.

import type { Db } from '../store/sqlite.js';
import type { Topics } from '../contract/topics.js';
import type { DeviceRef } from '../contract/ids.js';
import { parseJson, statusSchema } from '../contract/command.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { Ingress } from './ingress.js';

/** A device's last birth or last will, in gateway time. */
export interface DeviceStatus {
  readonly state: 'online' | 'offline';
  readonly atMs: number;
}

/** Reads what trackDeviceStatus recorded (a front end's device list): undefined before the first. */
export function deviceStatusReader(db: Db): (site: string, device: string) => DeviceStatus | undefined {
  const statusOf = db.prepare('SELECT state, at_ms AS atMs FROM device_status WHERE site = ? AND device = ?');
  return (site, device) => statusOf.get(site, device) as DeviceStatus | undefined;
}

/** Every device of a site that has sent a birth or will, by device id: one query per site, for a
 * list of thousands of devices. */
export function siteStatusReader(db: Db): (site: string) => Map<string, DeviceStatus> {
  const statusesOf = db.prepare('SELECT device, state, at_ms AS atMs FROM device_status WHERE site = ?');
  return (site) => new Map((statusesOf.all(site) as (DeviceStatus & { device: string })[]).map(({ device, state, atMs }) => [device, { state, atMs }]));
}

export type StatusListener = (ref: DeviceRef, state: 'online' | 'offline', atMs: number) => void;

export async function trackDeviceStatus(db: Db, ingress: Ingress, topics: Topics, events: EventBus, clock: () => number, log: Logger, onStatus: StatusListener): Promise<void> {
  const upsert = db.prepare(
    `INSERT INTO device_status (site, device, state, at_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT (site, device) DO UPDATE SET state = excluded.state, at_ms = excluded.at_ms`,
  );
  await ingress.subscribe(topics.filters.status, (topic, payload) => {
    const parsed = topics.parse(topic);
    if (!parsed.ok || parsed.topic.kind !== 'status') return;
    const status = parseJson(statusSchema, payload);
    const ref = { site: parsed.topic.site, device: parsed.topic.device };
    if (!status.ok) {
      log.warn({ ...ref, reason: status.reason }, 'malformed device status ignored');
      return;
    }
    const atMs = clock();
    upsert.run(ref.site, ref.device, status.value.state, atMs);
    onStatus(ref, status.value.state, atMs);
    events.emit('deviceStatus', { ref, state: status.value.state, atMs });
  });
}
