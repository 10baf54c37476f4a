// GET /api/v1/devices/due over a started gateway whose registry holds 2 000 seeded kitchens: most
// overdue first, one region's subtree, pages that neither repeat nor skip a device, the count, and
// refusals of a bad day, a foreign cursor and an unknown region.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, type RunningGateway } from '../../support/fixture.js';
import { testConfig } from '../../support/gateway.js';
import { newOfficer, withOfficer } from '../../support/browser.js';
import { seedFleet, type SeededFleet } from '../../support/fleet-seed.js';
import { tempDir } from '../../support/tmp.js';

const DAY = 86_400_000;
const OFFICER = newOfficer('due-reader');

interface Due {
  site: string;
  siteName: string;
  region: string | null;
  regionName: string | null;
  id: string;
  kind: string;
  installedOn: string | null;
  replaceBy: string;
}
interface DueAnswer {
  devices: Due[];
  next: string | null;
  total: number;
  totalCapped: boolean;
}

describe('GET /api/v1/devices/due', () => {
  const dir = tempDir();
  let gateway: RunningGateway;
  let fleet: SeededFleet;
  const nowMs = Date.now();
  const in30 = new Date(nowMs + 30 * DAY).toISOString().slice(0, 10);

  beforeAll(async () => {
    gateway = await startSeeded(testConfig(dir.path, withOfficer(OFFICER)), dir.path, (db) => void (fleet = seedFleet(db, 2000, nowMs)));
  });
  afterAll(async () => {
    await gateway?.stop();
    dir.remove();
  });

  async function get(query: string): Promise<{ status: number; body: DueAnswer & { message?: string } }> {
    const res = await fetch(`http://127.0.0.1:${gateway.apiPort}/api/v1/devices/due?${query}`, { headers: { authorization: `Bearer ${OFFICER.secret}` } });
    return { status: res.status, body: (await res.json()) as DueAnswer & { message?: string } };
  }

  it('lists every device due within 30 days, most overdue first, in pages that neither repeat nor skip', async () => {
    const seen: Due[] = [];
    let cursor: string | null = null;
    let first: DueAnswer | undefined;
    do {
      const { status, body } = await get(`before=${in30}&limit=30${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      first ??= body;
      seen.push(...body.devices);
      cursor = body.next;
    } while (cursor);
    expect(first!.total).toBe(fleet.overdue + fleet.dueSoon);
    expect(first!.totalCapped).toBe(false);
    expect(seen).toHaveLength(fleet.overdue + fleet.dueSoon);
    expect(new Set(seen.map((d) => `${d.site}/${d.id}`)).size).toBe(seen.length);
    expect(seen.map((d) => d.replaceBy)).toEqual(seen.map((d) => d.replaceBy).sort());
    const site = fleet.sites.find((s) => s.id === seen[0]!.site)!;
    expect(seen[0]).toMatchObject({ siteName: site.name, region: site.region, kind: 'detector', installedOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect(seen[0]!.regionName).toBeTruthy();
  });

  it('narrows to a county’s subtree', async () => {
    const { status, body } = await get(`before=${in30}&region=c1k2&limit=500`);
    expect(status).toBe(200);
    expect(body.devices.length).toBeGreaterThan(0);
    expect(body.devices.every((d) => d.region?.startsWith('c1k2t'))).toBe(true);
    expect(body.total).toBe(body.devices.length);
  });

  it('refuses a day that is not YYYY-MM-DD, a cursor it did not give, and a region that does not exist', async () => {
    expect((await get('before=8.12.2026')).status).toBe(400);
    const cursor = await get(`before=${in30}&cursor=bm90LWEtY3Vyc29y`);
    expect(cursor.status).toBe(400);
    expect(cursor.body.message).toMatch(/cursor/);
    const region = await get(`before=${in30}&region=atlantis`);
    expect(region.status).toBe(404);
    expect(region.body.message).toBe('no region atlantis');
  });
});
