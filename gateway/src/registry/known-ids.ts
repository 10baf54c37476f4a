// Which site, region and organisation ids exist, for a command line that names one (a user's or a
// token's scope) while the gateway may be running: the config file's, and the fleet registry's in
// state.db (records made through the API are there only), read over a read-only connection.

import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Config } from '../config/schema.js';
import { statePath } from '../store/state-db.js';
import { hasRegistry, readRegistry } from './registry-store.js';

export interface KnownIds {
  site(id: string): boolean;
  region(id: string): boolean;
  org(id: string): boolean;
}

export function knownIds(config: Config): KnownIds {
  const sites = new Set(config.sites.map((s) => s.id));
  const regions = new Set(config.regions.map((r) => r.id));
  const orgs = new Set(config.organisations.map((o) => o.id));
  const file = statePath(config.storage.dataDir);
  if (existsSync(file)) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      if (hasRegistry(db)) {
        const registry = readRegistry(db);
        registry.sites.forEach((s) => sites.add(s.body.id));
        registry.regions.forEach((r) => regions.add(r.id));
        registry.organisations.forEach((o) => orgs.add(o.id));
      }
    } finally {
      db.close();
    }
  }
  return { site: (id) => sites.has(id), region: (id) => regions.has(id), org: (id) => orgs.has(id) };
}
