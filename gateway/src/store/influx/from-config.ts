// Builds the InfluxDB store from the typed config: the writer for its API version, the quantity
// of each configured channel, the reject file under the data directory.

import type { Config, InfluxConfig } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { Db } from '../sqlite.js';
import { InfluxTelemetryStore, type InfluxStoreOptions, type QuantityOf } from './influx-store.js';
import { rejectFilePath } from './reject-file.js';
import { V1Writer } from './v1-writer.js';
import { V2Writer } from './v2-writer.js';
import type { InfluxWriter } from './writer.js';

export function writerFor(c: InfluxConfig): InfluxWriter {
  if (c.api === 'v2') return new V2Writer({ url: c.url, token: c.token!, org: c.org!, bucket: c.bucket!, database: c.database, timeoutMs: c.timeoutMs });
  return new V1Writer({ url: c.url, database: c.database!, username: c.username, password: c.password, timeoutMs: c.timeoutMs });
}

export function quantityLookup(config: Pick<Config, 'sites'>): QuantityOf {
  const map = new Map<string, string>();
  for (const site of config.sites) {
    for (const d of site.devices) for (const [channel, spec] of Object.entries(d.channels)) map.set(`${site.id}\u0000${d.id}\u0000${channel}`, spec.quantity);
  }
  return (site, device, channel) => map.get(`${site}\u0000${device}\u0000${channel}`);
}

export function influxStoreFromConfig(
  config: Config,
  dbs: { journalDb: Db; stateDb: Db },
  clock: () => number,
  log: Logger,
  hooks: Pick<InfluxStoreOptions, 'onSpoolOverflow' | 'onRejected'> = {},
): InfluxTelemetryStore {
  const c = config.storage.influx;
  if (!c) throw new Error('storage.influx is not configured');
  return new InfluxTelemetryStore({
    writer: writerFor(c),
    journalDb: dbs.journalDb,
    stateDb: dbs.stateDb,
    quantityOf: quantityLookup(config),
    batchRows: c.batchRows,
    lingerMs: c.lingerMs,
    retry: c.retry,
    spoolMaxRows: config.storage.spoolMaxRows,
    rejectFile: rejectFilePath(config.storage.dataDir),
    clock,
    log,
    ...hooks,
  });
}
