// The InfluxDB 1.x variant of the pipeline benchmark: a local influxd (tests/support/influxd.ts,
// Debian's 1.6) behind the gateway's InfluxDB telemetry store (`storage.influx`, api v1).

import { influxdMissing, startInfluxd } from '../tests/support/influxd.js';

export type StoreVariant = 'sqlite' | 'influx';

export interface InfluxVariant {
  readonly label: string;
  readonly storageExtra: Record<string, unknown>;
  close(): Promise<void>;
}

/** A fresh influxd and the storage settings pointing at it, or why it cannot run here. */
export async function prepareInflux(): Promise<InfluxVariant | { reason: string }> {
  const missing = influxdMissing();
  if (missing) return { reason: missing };
  const influxd = await startInfluxd({ database: 'shaobing' });
  return {
    label: 'influxdb-1.x',
    storageExtra: { influx: { url: influxd.url, api: 'v1', database: influxd.database } },
    close: () => influxd.close(),
  };
}
