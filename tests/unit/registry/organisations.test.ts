// Organisations (the gas supplier a site belongs to): removed only once no site names them.

import { describe, expect, it } from 'vitest';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import { RegistryError } from '../../../gateway/src/errors.js';
import { useLiveFleet } from '../../support/registry.js';

const by = { actor: 'admin-li', atMs: 1_700_000_000_000 };
let db: Db;
let fleet: LiveFleet;

useLiveFleet((t) => ({ db, fleet } = t));

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
