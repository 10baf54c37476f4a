// The running gateway on the fleet registry: a site added through faces.fleet is in the fleet at
// once and survives a restart on the same file (registry-made records are the registry's), while
// the file's own sites are there from the first start. Real gateway, real state.db.

import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, testConfig, type TestGateway } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';
import { DEMO_SITE } from '../../../gateway/src/config/demo.js';
import type { SiteChange } from '../../../gateway/src/registry/fleet.js';

const HASH = 'scrypt$16384$8$1$DOcde8e+6nkfebyiVzEQdg==$G57hHYSijaqHyCr5B+WMq5+Hf2fdvQiRDlwBLrmV0kw=';
const by = { actor: 'admin-li', atMs: Date.UTC(2026, 0, 5) };

describe('a gateway on the fleet registry', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  const gateways: TestGateway[] = [];
  afterEach(async () => {
    for (const g of gateways.splice(0)) await g.stop();
    for (const d of dirs.splice(0)) d.remove();
  });

  it('holds the file\'s sites, takes a site added through faces.fleet at once, and keeps it across a restart', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const config = testConfig(dir.path);
    const first = await startTestGateway(config);
    gateways.push(first);
    expect(first.faces.fleet.sites().map((s) => s.id)).toEqual([DEMO_SITE]);
    expect(first.config.sites.map((s) => s.id)).toEqual([DEMO_SITE]);

    const told: SiteChange[][] = [];
    first.faces.fleet.onChange((c) => told.push([...c]));
    first.faces.fleet.putSite(
      { id: 'kitchen-42', name: '新开的面馆', devices: [{ id: 'gas-01', kind: 'detector', passwordHash: HASH, channels: { ch4: { quantity: 'methane_lel' } }, replaceBy: '2026-01-31' }] },
      by,
    );
    expect(first.faces.fleet.sites().map((s) => s.id)).toEqual([DEMO_SITE, 'kitchen-42']);
    expect(told).toHaveLength(1);
    expect(told[0]![0]).toMatchObject({ before: undefined, after: { id: 'kitchen-42' } });
    expect(first.faces.fleet.dueForReplacement('2026-02-01', { kind: 'all' }).items.map((d) => `${d.site}/${d.device.id}`)).toEqual(['kitchen-42/gas-01']);
    await first.stop();
    gateways.length = 0;

    const second = await startTestGateway(config);
    gateways.push(second);
    expect(second.faces.fleet.sites().map((s) => s.id)).toEqual([DEMO_SITE, 'kitchen-42']);
    // The parts built at start were given the registry's sites, not the file's alone.
    expect(second.config.sites.map((s) => s.id)).toEqual([DEMO_SITE, 'kitchen-42']);
    expect(second.faces.fleet.device('kitchen-42', 'gas-01')?.replaceBy).toBe('2026-01-31');
    // The restart applied the same file: nothing written, so no config.apply beyond the first.
    expect(second.faces.audit.list(100).filter((e) => e.action === 'config.apply')).toHaveLength(1);
  });

  it('refuses a registry write with the problem named, and keeps running', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const gw = await startTestGateway(testConfig(dir.path));
    gateways.push(gw);
    expect(() => gw.faces.fleet.putDevices([{ site: 'nowhere', device: { id: 'gas-01', kind: 'detector', passwordHash: HASH, channels: { ch4: { quantity: 'methane_lel' } } } }], by)).toThrow(
      /row 0: site: no site nowhere/,
    );
    expect(gw.ready()).toBe(true);
  });
});
