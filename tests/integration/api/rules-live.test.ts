// GET /rules reads the rules the detection engine runs now, within the caller's scope: a preset
// site added while the gateway runs shows its own lines at once; a site-scoped owner sees only
// its own site and another site answers 404, as if it did not exist.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SITE } from '../../support/gateway.js';
import type { RunningGateway } from '../../support/fixture.js';
import { call, startApiGateway } from './helpers.js';

type Row = { id: string; site: string; quantity: string };
const by = { actor: 'admin-li', atMs: Date.UTC(2026, 11, 8) };

describe('GET /rules follows the fleet and the scope', () => {
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let g: RunningGateway;
  beforeAll(async () => {
    env = await startApiGateway();
    g = env.gateway;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('shows the rules of a preset site added at run time', async () => {
    const before = await call(g, 'admin', { method: 'GET', url: '/api/v1/rules?site=kitchen-77' });
    expect(before.statusCode).toBe(404);
    const demo = g.faces.fleet.site(DEMO_SITE)!;
    g.faces.fleet.putSite({ id: 'kitchen-77', name: '新开的饭馆', address: '解放路 77 号', preset: 'restaurant_kitchen', devices: demo.devices.map((d) => ({ ...d, channels: { ...d.channels } })) }, by);
    const after = await call(g, 'admin', { method: 'GET', url: '/api/v1/rules?site=kitchen-77' });
    expect(after.statusCode).toBe(200);
    const rows = (after.json() as { rules: Row[] }).rules;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.site === 'kitchen-77')).toBe(true);
    expect(rows.some((r) => r.quantity === 'methane_lel')).toBe(true);
  });

  it("gives a site-scoped owner its own site's rules only", async () => {
    const all = await call(g, 'owner', { method: 'GET', url: '/api/v1/rules' });
    expect(all.statusCode).toBe(200);
    const sites = new Set((all.json() as { rules: Row[] }).rules.map((r) => r.site));
    expect([...sites]).toEqual([DEMO_SITE]);
    const other = await call(g, 'owner', { method: 'GET', url: '/api/v1/rules?site=kitchen-77' });
    expect(other.statusCode).toBe(404);
  });
});
