// `shaobing registry export`: the fleet registry of the configured data directory as YAML on
// stdout, read over a read-only connection so it runs beside a running gateway.

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { Config } from '../config/schema.js';
import { statePath } from '../store/state-db.js';
import { hasRegistry, readRegistry } from './registry-store.js';
import { FleetMemory } from './fleet-memory.js';
import { exportYaml } from './export-yaml.js';

export const REGISTRY_USAGE = `Usage: shaobing registry export [--config FILE]
  Prints the fleet registry (regions, organisations, sites with their devices) as YAML that a
  config file accepts; the state database is the one of the config's storage.dataDir.`;

export interface RegistryCliOutput {
  out(text: string): void;
  err(line: string): void;
}

export function registryCommand(argv: string[], loadConfig: (file: string | undefined) => Config, io: RegistryCliOutput, now: () => number = Date.now): number {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    io.out(REGISTRY_USAGE);
    return 0;
  }
  if (sub !== 'export') {
    io.err(`shaobing registry: unknown subcommand ${JSON.stringify(sub ?? '')}\n\n${REGISTRY_USAGE}`);
    return 2;
  }
  const { values } = parseArgs({ args: rest, strict: true, options: { config: { type: 'string' } } });
  const config = loadConfig(values.config);
  const file = statePath(config.storage.dataDir);
  if (!existsSync(file)) {
    io.err(`shaobing registry export: no state database at ${file} (storage.dataDir): start the gateway once with this config, or give the config it runs with (--config)`);
    return 1;
  }
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    if (!hasRegistry(db)) {
      io.err(`shaobing registry export: ${file} holds no registry yet: start the gateway of this version once with this config`);
      return 1;
    }
    // One read transaction: a gateway writing meanwhile cannot give a site without its devices.
    const snapshot = db.transaction(() => readRegistry(db))();
    const sites = new FleetMemory(snapshot.sites, snapshot.devices).sites();
    io.out(exportYaml({ regions: snapshot.regions, organisations: snapshot.organisations, sites }, new Date(now()).toISOString()));
    return 0;
  } finally {
    db.close();
  }
}
