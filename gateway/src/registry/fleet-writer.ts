// How the fleet is changed: by the API, the command line, the import and the YAML file. Each call
// validates with the config schema (the same rules as the file), commits in one transaction with
// its audit entry, and only then tells the followers (fleet.ts onChange) in one call.

import type { z } from 'zod';
import type { deviceSchema, OrganisationConfig, RegionConfig, SiteConfig, siteSchema } from '../config/schema.js';
import type { DeviceConfig } from '../config/schema.js';
import type { FleetActor } from './fleet.js';

export type SiteInput = Omit<z.input<typeof siteSchema>, 'devices'> & { readonly devices?: z.input<typeof siteSchema>['devices'] };
export type DeviceInput = z.input<typeof deviceSchema>;

/** One device row of a write: which site it belongs to, and the device. */
export interface DeviceRow {
  readonly site: string;
  readonly device: DeviceInput;
}

/** A refused input: which row (0-based index into the call's rows, absent for a single record),
 * which field (dotted path), and why, in words an installer can act on. */
export interface RegistryProblem {
  readonly row?: number;
  readonly field: string;
  readonly message: string;
}

export interface RegionRecord extends RegionConfig {
  readonly path: string;
  readonly source: 'config' | 'registry';
}

export interface FleetWriter {
  /** Creates or replaces a site's own fields; its devices stay unless `devices` is given. */
  putSite(site: SiteInput, by: FleetActor): SiteConfig;
  /** Creates or replaces many sites (an import), all or nothing, like putDevices: one transaction,
   * one audit entry, one onChange call; a refused row throws RegistryError naming every problem. */
  putSites(sites: readonly SiteInput[], by: FleetActor): readonly SiteConfig[];
  /** Removes a site and its devices; false when there was none. */
  removeSite(id: string, by: FleetActor): boolean;
  /**
   * Creates or replaces devices, all or nothing: any refused row throws RegistryError with every
   * problem, and nothing is written. One transaction, one audit entry, one onChange call.
   */
  putDevices(rows: readonly DeviceRow[], by: FleetActor): readonly DeviceConfig[];
  removeDevice(site: string, device: string, by: FleetActor): boolean;
  putRegion(region: z.input<typeof import('../config/schema.js').regionSchema>, by: FleetActor): RegionRecord;
  /** Refused (RegistryError) while sites or child regions still name it. */
  removeRegion(id: string, by: FleetActor): boolean;
  putOrganisation(org: OrganisationConfig, by: FleetActor): OrganisationConfig;
  /** Refused (RegistryError, conflict) while sites still name it; false when there was none. */
  removeOrganisation(id: string, by: FleetActor): boolean;
  regions(): readonly RegionRecord[];
  organisations(): readonly OrganisationConfig[];
}
