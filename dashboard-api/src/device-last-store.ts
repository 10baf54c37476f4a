// The last value of every channel and when the gateway last heard each device, kept in state.db
// so a restart does not blank the device list until every device reports again. Written in
// batches (one transaction every few seconds for what changed), not per reading: at 20 000
// readings/s a write per reading would compete with the alarm path for the database.

import type { Db } from '../../gateway/src/store/sqlite.js';
import { migrateModule } from '../../gateway/src/store/sqlite.js';

export interface StoredChannel {
  readonly channel: string;
  readonly value: number;
  readonly tsMs: number;
}

export interface StoredDevice {
  readonly battery: number | null;
  /** Gateway clock when its last reading arrived. */
  readonly heardAtMs: number | null;
  readonly channels: readonly StoredChannel[];
}

export class DeviceLastStore {
  private readonly upsertChannel;
  private readonly upsertDevice;
  private readonly readChannels;
  private readonly readDevice;

  constructor(private readonly db: Db) {
    migrateModule(db, 'device-last', [
      `CREATE TABLE device_last_value (
         site TEXT NOT NULL, device TEXT NOT NULL, channel TEXT NOT NULL,
         value REAL NOT NULL, ts_ms INTEGER NOT NULL,
         PRIMARY KEY (site, device, channel)
       ) WITHOUT ROWID;
       CREATE TABLE device_last_heard (
         site TEXT NOT NULL, device TEXT NOT NULL, heard_at_ms INTEGER NOT NULL, battery REAL,
         PRIMARY KEY (site, device)
       ) WITHOUT ROWID;`,
    ]);
    this.upsertChannel = db.prepare(
      `INSERT INTO device_last_value (site, device, channel, value, ts_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (site, device, channel) DO UPDATE SET value = excluded.value, ts_ms = excluded.ts_ms WHERE excluded.ts_ms >= device_last_value.ts_ms`,
    );
    this.upsertDevice = db.prepare(
      `INSERT INTO device_last_heard (site, device, heard_at_ms, battery) VALUES (?, ?, ?, ?)
       ON CONFLICT (site, device) DO UPDATE SET heard_at_ms = max(heard_at_ms, excluded.heard_at_ms), battery = coalesce(excluded.battery, battery)`,
    );
    this.readChannels = db.prepare('SELECT channel, value, ts_ms AS tsMs FROM device_last_value WHERE site = ? AND device = ?');
    this.readDevice = db.prepare('SELECT heard_at_ms AS heardAtMs, battery FROM device_last_heard WHERE site = ? AND device = ?');
  }

  /** What was stored for one device, or null when nothing was. */
  load(site: string, device: string): StoredDevice | null {
    const head = this.readDevice.get(site, device) as { heardAtMs: number; battery: number | null } | undefined;
    const channels = this.readChannels.all(site, device) as StoredChannel[];
    if (!head && channels.length === 0) return null;
    return { battery: head?.battery ?? null, heardAtMs: head?.heardAtMs ?? null, channels };
  }

  /** Saves the given devices' state in one transaction. */
  save(devices: Iterable<{ site: string; device: string; battery: number | null; heardAtMs: number; channels: Iterable<StoredChannel> }>): void {
    this.db.transaction(() => {
      for (const d of devices) {
        this.upsertDevice.run(d.site, d.device, d.heardAtMs, d.battery);
        for (const c of d.channels) this.upsertChannel.run(d.site, d.device, c.channel, c.value, c.tsMs);
      }
    })();
  }
}

/** What was stored for every device of one site, for a report of thousands of devices. */
export interface SiteLast {
  /** By `device/channel`. */
  readonly values: ReadonlyMap<string, { readonly value: number; readonly tsMs: number }>;
  /** By device. */
  readonly heard: ReadonlyMap<string, { readonly heardAtMs: number; readonly battery: number | null }>;
}

const NOTHING: SiteLast = { values: new Map(), heard: new Map() };

/**
 * Reads the stored last values a site at a time, over the API's connection or a read-only one
 * (`shaobing export`). A state.db the API has never opened has no such tables: then there is
 * nothing stored, not an error (SQLite refuses to prepare a statement on a missing table).
 */
export function siteLastReader(db: Db): (site: string) => SiteLast {
  let statements;
  try {
    statements = {
      values: db.prepare('SELECT device, channel, value, ts_ms AS tsMs FROM device_last_value WHERE site = ?'),
      heard: db.prepare('SELECT device, heard_at_ms AS heardAtMs, battery FROM device_last_heard WHERE site = ?'),
    };
  } catch (err) {
    if (/no such table/.test((err as Error).message)) return () => NOTHING;
    throw err;
  }
  const { values, heard } = statements;
  return (site) => ({
    values: new Map((values.all(site) as { device: string; channel: string; value: number; tsMs: number }[]).map((v) => [`${v.device}/${v.channel}`, { value: v.value, tsMs: v.tsMs }])),
    heard: new Map((heard.all(site) as { device: string; heardAtMs: number; battery: number | null }[]).map((h) => [h.device, { heardAtMs: h.heardAtMs, battery: h.battery }])),
  });
}
