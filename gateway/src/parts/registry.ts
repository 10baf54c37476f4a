// The fleet registry as a part, right after the databases: the registry's tables migrated, the
// file's regions, organisations and sites applied to them (registry/apply-config.ts), and the
// LiveFleet every later part reads. Those parts get the config with the registry's sites, so a
// site the API added before a restart is watched from the first reading after it.

import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/sqlite.js';
import { RegistryStore } from '../registry/registry-store.js';
import { LiveFleet } from '../registry/live-fleet.js';
import { applyConfig } from '../registry/apply-config.js';
import type { Part } from './part.js';

export interface RegistryPart extends Part {
  readonly fleet: LiveFleet;
  /** The file's config with the registry's sites, regions and organisations in place of the file's. */
  readonly config: Config;
}

/** Who the audit log names for the file's changes. */
export const CONFIG_ACTOR = 'config';

export function registryPart(config: Config, stateDb: Db, clock: () => number, log: Logger): RegistryPart {
  const own = log.child({ module: 'registry' });
  const fleet = new LiveFleet(new RegistryStore(stateDb), own);
  const applied = applyConfig(fleet, config, { actor: CONFIG_ACTOR, atMs: clock() });
  if (applied.kept.length > 0) own.warn({ kept: applied.kept }, 'records dropped from the config file are kept (the registry still needs them): sites holding devices added through the API, regions and organisations registry records name');
  const sites = fleet.sites();
  own.info({ writes: applied.writes, sites: sites.length, devices: sites.reduce((n, s) => n + s.devices.length, 0) }, 'fleet registry ready');
  const withFleet: Config = Object.freeze({
    ...config,
    sites: sites as Config['sites'],
    regions: fleet.regions().map((r) => ({ id: r.id, name: r.name, level: r.level, ...(r.parent !== undefined ? { parent: r.parent } : {}), officers: r.officers })),
    organisations: fleet.organisations() as Config['organisations'],
  });
  return { name: 'registry', fleet, config: withFleet };
}
