// Organisations (the gas supplier a site belongs to): removed only once no site names them.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { RegistryStore } from '../../../gateway/src/registry/registry-store.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import { RegistryError } from '../../../gateway/src/errors.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { tempDir } from '../../support/tmp.js';

const by = { actor: 'admin-li', atMs: 1_700_000_000_000 };
let dir: ReturnType<typeof tempDir>;
let db: Db;
let fleet: LiveFleet;

beforeEach(() => {
  dir = tempDir();
  db = openStateDb(dir.path);
  fleet = new LiveFleet(new RegistryStore(db), silentLogger());
});
afterEach(() => {
  db.close();
  dir.remove();
});

describe('organisations', () => {
  it('refuses to remove an organisation while a site names it (conflict), then removes it', () => {
    fleet.putOrganisation({ id: 'gas-co', name: '武汉燃气' }, by);
    fleet.putSite({ id: 'a', name: 'A', org: 'gas-co' }, by);
    let refused: unknown;
    try {
      fleet.removeOrganisation('gas-co', by);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(RegistryError);
    expect((refused as RegistryError).conflict).toBe(true);
    expect((refused as RegistryError).message).toMatch(/organisation gas-co is still named by 1 site/);
    fleet.putSite({ id: 'a', name: 'A' }, by);
    expect(fleet.removeOrganisation('gas-co', by)).toBe(true);
    expect(fleet.organisations()).toEqual([]);
    expect(fleet.removeOrganisation('gas-co', by)).toBe(false);
  });

  it('refuses a bad organisation by field', () => {
    expect(() => fleet.putOrganisation({ id: 'bad id', name: '' }, by)).toThrow(/id: .*; name: /);
  });
});
