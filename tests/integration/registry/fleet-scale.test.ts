// The registry at the size the fleet is designed for (10 000 sites, 100 000 devices): the import,
// a gateway's start reading it back, and the file applied at start when nothing changed. Figures
// are logged, not asserted against a clock (the machine is shared); the counts are asserted.

import { afterAll, describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { RegistryStore } from '../../../gateway/src/registry/registry-store.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import { applyConfig } from '../../../gateway/src/registry/apply-config.js';
import { configSchema } from '../../../gateway/src/config/schema.js';
import { demoConfig } from '../../../gateway/src/config/demo.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { tempDir } from '../../support/tmp.js';

const HASH = 'scrypt$16384$8$1$DOcde8e+6nkfebyiVzEQdg==$G57hHYSijaqHyCr5B+WMq5+Hf2fdvQiRDlwBLrmV0kw=';
const by = { actor: 'import', atMs: 1_700_000_000_000 };
const SITES = 10_000;
const PER_SITE = 10;

describe('the registry at fleet size', () => {
  const dir = tempDir();
  const db = openStateDb(dir.path);
  afterAll(() => {
    db.close();
    dir.remove();
  });

  it('imports 100 000 devices of 10 000 sites, reads them back at start, and applies an unchanged file without a write', () => {
    const fleet = new LiveFleet(new RegistryStore(db), silentLogger());
    const t0 = performance.now();
    // Sites a thousand at a time, as an import takes them (one transaction each).
    for (let s = 0; s < SITES; s += 1000) fleet.putSites(Array.from({ length: 1000 }, (_, i) => ({ id: `k-${s + i}`, name: `后厨 ${s + i}` })), by);
    const t1 = performance.now();
    for (let s = 0; s < SITES; s += 1000) {
      const rows = [];
      for (let i = s; i < s + 1000; i++) for (let d = 0; d < PER_SITE; d++) rows.push({ site: `k-${i}`, device: { id: `gas-${d}`, kind: 'detector' as const, passwordHash: HASH, channels: { ch4: { quantity: 'methane_lel' as const } }, replaceBy: '2029-06-30' } });
      fleet.putDevices(rows, by);
    }
    const t2 = performance.now();
    const reopened = new LiveFleet(new RegistryStore(db), silentLogger());
    const t3 = performance.now();
    const file = configSchema.parse(demoConfig());
    applyConfig(reopened, file, by);
    const t4 = performance.now();
    const again = applyConfig(reopened, file, by);
    const t5 = performance.now();
    const due = reopened.dueForReplacement('2030-01-01', { kind: 'all' }, { limit: 100 });
    const t6 = performance.now();
    console.log(
      `registry at fleet size: ${SITES} sites by putSites of 1 000 ${(t1 - t0).toFixed(0)} ms; ${SITES * PER_SITE} devices by putDevices of 10 000 ${(t2 - t1).toFixed(0)} ms; ` +
        `LiveFleet read back ${(t3 - t2).toFixed(0)} ms; file applied ${(t4 - t3).toFixed(0)} ms, unchanged file again ${(t5 - t4).toFixed(0)} ms; first page of due devices ${(t6 - t5).toFixed(1)} ms`,
    );
    expect(reopened.sites()).toHaveLength(SITES + 1);
    expect(reopened.sites().reduce((n, s) => n + s.devices.length, 0)).toBe(SITES * PER_SITE + 3);
    expect(again.writes).toBe(0);
    expect(due.items).toHaveLength(100);
    expect(due.next).toBeDefined();
  }, 120_000);
});
