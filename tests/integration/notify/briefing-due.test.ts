// The daily briefing names the devices due for replacement (CJJ/T 146-2011 service lives): those
// past their day and those due within 30 days, counted over the briefing's sites, the first listed
// by site name with their day, in the Markdown every channel sends and in the API's briefing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBriefing } from '../../../gateway/src/notify/briefing.js';
import { startSeeded, type RunningGateway } from '../../support/fixture.js';
import { testConfig } from '../../support/gateway.js';
import { newOfficer, withOfficer } from '../../support/browser.js';
import { seedFleet, type SeededFleet } from '../../support/fleet-seed.js';
import { tempDir } from '../../support/tmp.js';

const DAY = 86_400_000;
const OFFICER = newOfficer('briefing-reader');

describe('the briefing’s 到期更换 section', () => {
  const dir = tempDir();
  let gateway: RunningGateway;
  let fleet: SeededFleet;
  const nowMs = Date.now();

  beforeAll(async () => {
    gateway = await startSeeded(testConfig(dir.path, withOfficer(OFFICER)), dir.path, (db) => void (fleet = seedFleet(db, 200, nowMs)));
  });
  afterAll(async () => {
    await gateway?.stop();
    dir.remove();
  });

  it('counts overdue and soon-due devices of the briefing’s sites and lists them, most overdue first', () => {
    const b = buildBriefing(gateway.stateDb, { fromMs: nowMs - DAY, toMs: nowMs, sites: fleet.sites.map((s) => s.id), siteNames: Object.fromEntries(fleet.sites.map((s) => [s.id, s.name])) });
    expect(b.dueReplacements).toMatchObject({ overdue: fleet.overdue, dueSoon: fleet.dueSoon });
    expect(b.dueReplacements.devices).toHaveLength(fleet.overdue + fleet.dueSoon);
    const first = b.dueReplacements.devices[0]!;
    const site = fleet.sites.find((s) => s.id === first.site)!;
    expect(b.markdown).toContain('### 到期更换（CJJ/T 146-2011）');
    expect(b.markdown).toContain(`- 已逾期 ${fleet.overdue} 台，30 天内到期 ${fleet.dueSoon} 台`);
    expect(b.markdown).toMatch(new RegExp(`- ${site.name} gas-1 应于 ${first.replaceBy} 前更换（已逾期 \\d+ 天）`));
    expect(b.html).toContain('到期更换（CJJ/T 146-2011）');
  });

  it('counts only the briefing’s own sites (a county’s briefing)', () => {
    const county = fleet.sites.filter((s) => s.region.startsWith('c0k0t'));
    const b = buildBriefing(gateway.stateDb, { fromMs: nowMs - DAY, toMs: nowMs, sites: county.map((s) => s.id) });
    const ids = new Set(county.map((s) => s.id));
    expect(b.dueReplacements.devices.every((d) => ids.has(d.site))).toBe(true);
    expect(b.dueReplacements.overdue + b.dueReplacements.dueSoon).toBe(b.dueReplacements.devices.length);
    expect(b.dueReplacements.overdue + b.dueReplacements.dueSoon).toBeLessThan(fleet.overdue + fleet.dueSoon);
  });

  it('is in the briefing the API serves', async () => {
    const res = await fetch(`http://127.0.0.1:${gateway.apiPort}/api/v1/briefing`, { headers: { authorization: `Bearer ${OFFICER.secret}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { markdown: string; dueReplacements: { overdue: number; dueSoon: number } };
    expect(body.dueReplacements.overdue + body.dueReplacements.dueSoon).toBe(fleet.overdue + fleet.dueSoon);
    expect(body.markdown).toContain('### 到期更换（CJJ/T 146-2011）');
  });
});
