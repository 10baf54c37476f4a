// GET /api/v1/devices/due over a started gateway whose registry holds 2 000 seeded kitchens: most
// overdue first, one region's subtree, pages that neither repeat nor skip a device, the count, and
// refusals of a bad day, a foreign cursor and an unknown region; a city officer's scope.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, type RunningGateway } from '../../support/fixture.js';
import { testConfig } from '../../support/gateway.js';
import { newOfficer } from '../../support/browser.js';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { seedFleet, type SeededFleet } from '../../support/fleet-seed.js';
import { tempDir } from '../../support/tmp.js';

const DAY = 86_400_000;
const OFFICER = newOfficer('due-reader');
const ADMIN = newOfficer('due-admin');

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
    const tokens = (c: ConfigInput): void =>
      void (c.api = {
        ...c.api,
        bootstrapTokens: [
          { name: OFFICER.name, role: 'officer', tokenHash: hashToken(OFFICER.secret) },
          { name: ADMIN.name, role: 'admin', tokenHash: hashToken(ADMIN.secret) },
        ],
      });
    gateway = await startSeeded(testConfig(dir.path, tokens), dir.path, (db) => void (fleet = seedFleet(db, 2000, nowMs)));
  });
  afterAll(async () => {
    await gateway?.stop();
    dir.remove();
  });

  async function get(query: string, token = OFFICER.secret): Promise<{ status: number; body: DueAnswer & { message?: string } }> {
    const res = await fetch(`http://127.0.0.1:${gateway.apiPort}/api/v1/devices/due?${query}`, { headers: { authorization: `Bearer ${token}` } });
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

  it('keeps an officer of one city to his city: a county elsewhere does not exist, the province narrows to his city', async () => {
    const base = `http://127.0.0.1:${gateway.apiPort}`;
    const made = await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'yc.officer', displayName: '宜昌值班员', password: 'correct horse battery', role: 'officer', scope: 'region:c1' }),
    });
    expect(made.status, await made.text()).toBe(200);
    const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'yc.officer', password: 'correct horse battery' }) });
    const token = ((await login.json()) as { token: string }).token;
    const inCity = (d: Due) => d.region?.startsWith('c1k') === true;

    const all = await get(`before=${in30}&limit=500`, token);
    expect(all.status).toBe(200);
    expect(all.body.devices.length).toBeGreaterThan(0);
    expect(all.body.devices.every(inCity)).toBe(true);
    const province = await get(`before=${in30}&region=hb&limit=500`, token);
    expect(province.body.devices.map((d) => d.site)).toEqual(all.body.devices.map((d) => d.site));
    expect((await get(`before=${in30}&region=c1k2&limit=500`, token)).body.devices.every((d) => d.region?.startsWith('c1k2t'))).toBe(true);
    const elsewhere = await get(`before=${in30}&region=c0k0`, token);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.message).toBe((await get(`before=${in30}&region=atlantis`, token)).body.message?.replace('atlantis', 'c0k0'));
  });
});
