// The registry's tables in state.db. Regions form a tree kept with a materialised path
// ('/hubei/wuhan/jiangan/'), so "every site under this county" is one indexed prefix match in the
// query that lists alarms, not a walk of the tree after it.

import { migrateModule, type Db } from '../store/sqlite.js';

const MIGRATIONS = [
  `CREATE TABLE region (
     id TEXT PRIMARY KEY,
     parent TEXT REFERENCES region (id),
     name TEXT NOT NULL,
     level TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'town', 'grid')),
     -- '/' + ancestors' ids and its own, each followed by '/': a subtree is path LIKE 'prefix%'.
     path TEXT NOT NULL UNIQUE,
     -- JSON array of the officers responsible for this node (names of people on the roster).
     officers TEXT NOT NULL DEFAULT '[]',
     -- 'config' when the YAML file holds it (it is removed when the file drops it), else 'registry'.
     source TEXT NOT NULL DEFAULT 'registry'
   ) WITHOUT ROWID;
   CREATE INDEX region_parent ON region (parent);
   CREATE TABLE organisation (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     source TEXT NOT NULL DEFAULT 'registry'
   ) WITHOUT ROWID;
   CREATE TABLE fleet_site (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     address TEXT,
     region TEXT REFERENCES region (id),
     org TEXT REFERENCES organisation (id),
     -- The site as config/schema.ts siteSchema holds it, without its devices.
     body TEXT NOT NULL,
     source TEXT NOT NULL DEFAULT 'registry',
     updated_ms INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX fleet_site_region ON fleet_site (region);
   CREATE INDEX fleet_site_org ON fleet_site (org);
   CREATE TABLE fleet_device (
     site TEXT NOT NULL REFERENCES fleet_site (id) ON DELETE CASCADE,
     id TEXT NOT NULL,
     kind TEXT NOT NULL,
     -- The device as config/schema.ts deviceSchema holds it: a password hash or a login key, never a secret.
     body TEXT NOT NULL,
     -- YYYY-MM-DD, for "due for replacement" lists.
     replace_by TEXT,
     source TEXT NOT NULL DEFAULT 'registry',
     updated_ms INTEGER NOT NULL,
     PRIMARY KEY (site, id)
   ) WITHOUT ROWID;
   CREATE INDEX fleet_device_replace_by ON fleet_device (replace_by) WHERE replace_by IS NOT NULL;`,
  // The order the file lists sites and devices in, kept so that a gateway on the registry sees its
  // sites and devices in the file's order (registry-made records follow, in the order they came).
  `ALTER TABLE fleet_site ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE fleet_device ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
   -- "Due for replacement" pages by (replace_by, site, id).
   DROP INDEX fleet_device_replace_by;
   CREATE INDEX fleet_device_replace_by ON fleet_device (replace_by, site, id) WHERE replace_by IS NOT NULL;`,
];

/** Creates or upgrades the registry's tables (idempotent). */
export function migrateRegistry(db: Db): void {
  migrateModule(db, 'registry', MIGRATIONS);
}
