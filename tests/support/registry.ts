// A LiveFleet over a fresh state.db in a temporary directory, made before each test and closed
// and removed after it: the setup every registry unit test shares.

import { afterEach, beforeEach } from 'vitest';
import { openStateDb } from '../../gateway/src/store/state-db.js';
import type { Db } from '../../gateway/src/store/sqlite.js';
import { RegistryStore } from '../../gateway/src/registry/registry-store.js';
import { LiveFleet } from '../../gateway/src/registry/live-fleet.js';
import { silentLogger } from '../../gateway/src/log.js';
import { tempDir } from './tmp.js';

export interface LiveFleetUnderTest {
  dir: ReturnType<typeof tempDir>;
  db: Db;
  store: RegistryStore;
  fleet: LiveFleet;
}

/** Registers beforeEach/afterEach; `receive` gets each test's fresh parts (assign them to the file's lets). */
export function useLiveFleet(receive: (parts: LiveFleetUnderTest) => void): void {
  let parts: LiveFleetUnderTest | undefined;
  beforeEach(() => {
    const dir = tempDir();
    const db = openStateDb(dir.path);
    const store = new RegistryStore(db);
    parts = { dir, db, store, fleet: new LiveFleet(store, silentLogger()) };
    receive(parts);
  });
  afterEach(() => {
    parts?.db.close();
    parts?.dir.remove();
    parts = undefined;
  });
}
