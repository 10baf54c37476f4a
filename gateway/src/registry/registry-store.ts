// The fleet registry's SQL over state.db (tables.ts): regions with their materialised path,
// organisations, sites and devices, each record with its source ('config': the YAML file holds
// it; 'registry': the API, command line or an import made it). Writes run inside `transact`, which
// commits them together with their audit entry or not at all. Validation of the records' own
// fields is the caller's (live-fleet.ts, with the config schema); the tree's rules are here.

import type { Db } from '../store/sqlite.js';
import type { Statement } from 'better-sqlite3';
import type { DeviceConfig, OrganisationConfig, RegionConfig, SiteConfig } from '../config/schema.js';
import type { AuditInput, AuditTrail } from '../audit/audit-trail.js';
import { AuditLog } from '../audit/audit-log.js';
import { RegistryError } from '../errors.js';
import { migrateRegistry } from './tables.js';
import { siteScopeSql } from './scope-sql.js';
import type { Scope } from '../contract/scope.js';
import type { RegionRecord } from './fleet-writer.js';

export type Source = 'config' | 'registry';
export type SiteBody = Omit<SiteConfig, 'devices'>;

export interface OrganisationRecord extends OrganisationConfig {
  readonly source: Source;
}
export interface StoredSite {
  readonly body: SiteBody;
  readonly source: Source;
  readonly pos: number;
}
export interface StoredDevice {
  readonly site: string;
  readonly device: DeviceConfig;
  readonly source: Source;
  readonly pos: number;
}

/** Everything the registry holds, as read at start. */
export interface RegistrySnapshot {
  readonly regions: readonly RegionRecord[];
  readonly organisations: readonly OrganisationRecord[];
  readonly sites: readonly StoredSite[];
  /** Ordered by site, then (pos, id). */
  readonly devices: readonly StoredDevice[];
}

/** Where a page of due replacements continues: after this (replaceBy, site, device). */
export interface ReplacementCursor {
  readonly replaceBy: string;
  readonly site: string;
  readonly device: string;
}
export interface DueRow extends ReplacementCursor {}

interface RegionRow {
  id: string;
  parent: string | null;
  name: string;
  level: RegionConfig['level'];
  path: string;
  officers: string;
  source: Source;
}

function regionFromRow(r: RegionRow): RegionRecord {
  return Object.freeze({
    id: r.id,
    name: r.name,
    level: r.level,
    ...(r.parent !== null ? { parent: r.parent } : {}),
    officers: Object.freeze(JSON.parse(r.officers) as string[]) as string[],
    path: r.path,
    source: r.source,
  });
}

/** Whether state.db holds the registry's tables (a gateway of this version has started on it). */
export function hasRegistry(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fleet_device'").get() !== undefined;
}

/** The whole registry by plain reads (no migration): also for a read-only connection (the export). */
export function readRegistry(db: Db): RegistrySnapshot {
  const regions = (db.prepare('SELECT * FROM region ORDER BY path').all() as RegionRow[]).map(regionFromRow);
  const organisations = (db.prepare('SELECT id, name, source FROM organisation ORDER BY id').all() as { id: string; name: string; source: Source }[]).map((o) => Object.freeze({ ...o }));
  const sites = (db.prepare('SELECT body, source, pos FROM fleet_site ORDER BY pos, id').all() as { body: string; source: Source; pos: number }[]).map((r) => ({
    body: JSON.parse(r.body) as SiteBody,
    source: r.source,
    pos: r.pos,
  }));
  const devices = (db.prepare('SELECT site, body, source, pos FROM fleet_device ORDER BY site, pos, id').all() as { site: string; body: string; source: Source; pos: number }[]).map((r) => ({
    site: r.site,
    device: JSON.parse(r.body) as DeviceConfig,
    source: r.source,
    pos: r.pos,
  }));
  return { regions, organisations, sites, devices };
}

export class RegistryStore {
  readonly audit: AuditTrail;
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Db, audit?: AuditTrail) {
    migrateRegistry(db);
    this.audit = audit ?? new AuditLog(db);
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      regions: p('SELECT * FROM region ORDER BY path'),
      region: p('SELECT * FROM region WHERE id = ?'),
      putRegion: p(
        `INSERT INTO region (id, parent, name, level, path, officers, source) VALUES (@id, @parent, @name, @level, @path, @officers, @source)
         ON CONFLICT (id) DO UPDATE SET parent = excluded.parent, name = excluded.name, level = excluded.level, path = excluded.path, officers = excluded.officers, source = excluded.source`,
      ),
      // A moved region takes its subtree along: every path under the old prefix gets the new one.
      movePaths: p(`UPDATE region SET path = @to || substr(path, length(@from) + 1) WHERE path GLOB @from || '*' AND id <> @id`),
      regionUsers: p(`SELECT (SELECT count(*) FROM region WHERE parent = @id) AS children, (SELECT count(*) FROM fleet_site WHERE region = @id) AS sites`),
      deleteRegion: p('DELETE FROM region WHERE id = ?'),
      putOrganisation: p(
        `INSERT INTO organisation (id, name, source) VALUES (@id, @name, @source) ON CONFLICT (id) DO UPDATE SET name = excluded.name, source = excluded.source`,
      ),
      orgUsers: p('SELECT count(*) AS sites FROM fleet_site WHERE org = ?'),
      deleteOrganisation: p('DELETE FROM organisation WHERE id = ?'),
      putSite: p(
        `INSERT INTO fleet_site (id, name, address, region, org, body, source, updated_ms, pos) VALUES (@id, @name, @address, @region, @org, @body, @source, @atMs, @pos)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, region = excluded.region, org = excluded.org, body = excluded.body,
           source = excluded.source, updated_ms = excluded.updated_ms, pos = excluded.pos`,
      ),
      deleteSite: p('DELETE FROM fleet_site WHERE id = ?'),
      putDevice: p(
        `INSERT INTO fleet_device (site, id, kind, body, replace_by, source, updated_ms, pos) VALUES (@site, @id, @kind, @body, @replaceBy, @source, @atMs, @pos)
         ON CONFLICT (site, id) DO UPDATE SET kind = excluded.kind, body = excluded.body, replace_by = excluded.replace_by, source = excluded.source,
           updated_ms = excluded.updated_ms, pos = excluded.pos`,
      ),
      deleteDevice: p('DELETE FROM fleet_device WHERE site = ? AND id = ?'),
    };
  }

  /** Every region, parents before their children (by path). */
  regions(): RegionRecord[] {
    return (this.s.regions!.all() as RegionRow[]).map(regionFromRow);
  }

  /** The whole registry, for the memory of a starting gateway. */
  load(): RegistrySnapshot {
    return readRegistry(this.db);
  }

  /**
   * Runs `write` and appends `entry` (when there is one) in one IMMEDIATE transaction: both are
   * committed or neither is, and a second process writing at once (the command line) waits.
   */
  transact<T>(write: () => { readonly result: T; readonly entry: AuditInput | null }): T {
    return this.db
      .transaction(() => {
        const { result, entry } = write();
        if (entry !== null) this.audit.append(entry);
        return result;
      })
      .immediate();
  }

  region(id: string): RegionRecord | undefined {
    const row = this.s.region!.get(id) as RegionRow | undefined;
    return row ? regionFromRow(row) : undefined;
  }

  /**
   * Writes a region with its path computed from its parent's; a moved region moves its subtree.
   * Refuses a parent that does not exist and a parent inside the region's own subtree (a cycle).
   */
  putRegion(region: RegionConfig, source: Source): RegionRecord {
    let parentPath = '/';
    if (region.parent !== undefined) {
      if (region.parent === region.id) throw new RegistryError([{ field: 'parent', message: `region ${region.id} cannot be its own parent` }]);
      const parent = this.region(region.parent);
      if (!parent) throw new RegistryError([{ field: 'parent', message: `no region ${region.parent}: create the parent first` }]);
      if (parent.path.includes(`/${region.id}/`)) {
        throw new RegistryError([{ field: 'parent', message: `region ${region.parent} lies under ${region.id} (${parent.path}): a region cannot move into its own subtree` }]);
      }
      parentPath = parent.path;
    }
    const path = `${parentPath}${region.id}/`;
    const before = this.region(region.id);
    this.s.putRegion!.run({ id: region.id, parent: region.parent ?? null, name: region.name, level: region.level, path, officers: JSON.stringify(region.officers), source });
    if (before && before.path !== path) this.s.movePaths!.run({ from: before.path, to: path, id: region.id });
    return this.region(region.id)!;
  }

  /** Removes a region; refused (conflict) while child regions or sites name it. */
  removeRegion(id: string): boolean {
    const users = this.s.regionUsers!.get({ id }) as { children: number; sites: number };
    if (users.children > 0 || users.sites > 0) {
      const what = [users.children > 0 ? `${users.children} child region${users.children === 1 ? '' : 's'}` : '', users.sites > 0 ? `${users.sites} site${users.sites === 1 ? '' : 's'}` : '']
        .filter(Boolean)
        .join(' and ');
      throw new RegistryError([{ field: 'id', message: `region ${id} is still named by ${what}: move or remove them first` }], true);
    }
    return this.s.deleteRegion!.run(id).changes > 0;
  }

  putOrganisation(org: OrganisationConfig, source: Source): void {
    this.s.putOrganisation!.run({ id: org.id, name: org.name, source });
  }

  /** Removes an organisation; refused (conflict) while sites name it. */
  removeOrganisation(id: string): boolean {
    const { sites } = this.s.orgUsers!.get(id) as { sites: number };
    if (sites > 0) throw new RegistryError([{ field: 'id', message: `organisation ${id} is still named by ${sites} site${sites === 1 ? '' : 's'}: move or remove them first` }], true);
    return this.s.deleteOrganisation!.run(id).changes > 0;
  }

  /** Writes a site's own fields (its devices are rows of their own). */
  putSite(body: SiteBody, source: Source, pos: number, atMs: number): void {
    this.s.putSite!.run({ id: body.id, name: body.name, address: body.address ?? null, region: body.region ?? null, org: body.org ?? null, body: JSON.stringify(body), source, atMs, pos });
  }

  /** Removes a site and (ON DELETE CASCADE) its devices. */
  removeSite(id: string): boolean {
    return this.s.deleteSite!.run(id).changes > 0;
  }

  putDevice(site: string, device: DeviceConfig, source: Source, pos: number, atMs: number): void {
    this.s.putDevice!.run({ site, id: device.id, kind: device.kind, body: JSON.stringify(device), replaceBy: device.replaceBy ?? null, source, atMs, pos });
  }

  removeDevice(site: string, device: string): boolean {
    return this.s.deleteDevice!.run(site, device).changes > 0;
  }

  /**
   * Devices whose replaceBy is on or before `onOrBefore`, within `scope`, oldest first, a page
   * at a time by (replaceBy, site, device); the scope is a condition of the query itself.
   */
  dueForReplacement(onOrBefore: string, scope: Scope, limit: number, after?: ReplacementCursor): DueRow[] {
    const where = siteScopeSql(scope, 'd.site');
    const cursor = after ? 'AND (d.replace_by, d.site, d.id) > (?, ?, ?)' : '';
    const sql = `SELECT d.replace_by AS replaceBy, d.site AS site, d.id AS device FROM fleet_device d
                 WHERE d.replace_by IS NOT NULL AND d.replace_by <= ? AND (${where.sql}) ${cursor}
                 ORDER BY d.replace_by, d.site, d.id LIMIT ?`;
    const params = [onOrBefore, ...where.params, ...(after ? [after.replaceBy, after.site, after.device] : []), limit];
    return this.db.prepare(sql).all(...params) as DueRow[];
  }
}
