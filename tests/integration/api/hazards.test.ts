// The hazard ledger over real HTTP on a started gateway with two counties: one hazard walked from
// the owner's report to 销号, role rules (an owner registers and reports, never accepts or closes),
// four eyes, refusals with their reason, 404 outside the scope exactly as for a missing hazard, and
// the list paged and scoped.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SITE_A, SITE_B } from '../../support/regions.js';
import { TOKENS } from './helpers.js';
import { startCountyApi, type CountyApi } from './county-api.js';

type Json = Record<string, any>;

/** The Shanghai calendar date `days` from now. */
function shanghaiDate(days: number): string {
  return new Date(Date.now() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

describe('the hazard ledger API', () => {
  let api: CountyApi;
  let officerA: string;
  const http = (...call: Parameters<CountyApi['http']>) => api.http(...call);

  const report = (site: string, over: Json = {}) => ({ site, source: 'self_check', category: 'hose_pipe', description: '软管老化开裂 hose cracked', location: '后厨灶台 back kitchen', ...over });

  beforeAll(async () => {
    api = await startCountyApi();
    ({ officerA } = api);
  }, 30_000);

  afterAll(async () => {
    await api?.env.stop();
  });

  it('walks a hazard from the owner report to 销号, each step in the trail and the audit log', async () => {
    const made = await http(TOKENS.owner, 'POST', '/api/v1/hazards', report(SITE_A));
    expect(made.status, made.text).toBe(201);
    const id = made.body.hazard.id as string;
    expect(made.body.hazard).toMatchObject({ site: SITE_A, state: 'registered', foundBy: 'owner Chen', region: 'town-a1', timeZone: 'Asia/Shanghai', overdue: false });

    const steps: [string, string, Json, number][] = [
      [TOKENS.officer, 'grade', { grade: 'major', basis: 'order16_stop_work', criterion: '需局部停产更换管道' }, 200],
      [TOKENS.officer, 'plan', { responsible: 'owner Chen', measures: '更换金属软管', fundsYuan: 600, emergencyPlan: '关阀 close valve', deadline: shanghaiDate(7) }, 200],
      [TOKENS.owner, 'progress', { note: '已订货 ordered' }, 200],
      [TOKENS.owner, 'acceptance-request', { note: '已更换 replaced' }, 200],
      [TOKENS.officer, 'refuse', { note: '接头漏 joint leaks' }, 200],
      [TOKENS.officer, 'extend', { note: '等配件 waiting for parts', deadline: shanghaiDate(14) }, 200],
      [TOKENS.owner, 'acceptance-request', { note: '已重装 refitted' }, 200],
      [TOKENS.officer, 'accept', { note: '合格 passed', evidence: '检漏 0 ppm' }, 200],
      [TOKENS.officer, 'close', { note: '同意销号' }, 200],
    ];
    for (const [token, path, body, status] of steps) {
      const r = await http(token, 'POST', `/api/v1/hazards/${id}/${path}`, body);
      expect(r.status, `${path}: ${r.text}`).toBe(status);
    }
    const one = await http(TOKENS.viewer, 'GET', `/api/v1/hazards/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.hazard).toMatchObject({ state: 'closed', grading: { grade: 'major' }, plan: { deadlineDate: shanghaiDate(14) }, extensions: [{ fromDate: shanghaiDate(7), toDate: shanghaiDate(14) }] });
    expect(one.body.trail.map((l: Json) => l.kind)).toEqual([
      'registered', 'graded', 'planned', 'progress', 'acceptance_requested', 'acceptance_refused', 'deadline_extended', 'acceptance_requested', 'accepted', 'closed',
    ]);
    const audit = await http(TOKENS.admin, 'GET', '/api/v1/audit?limit=50');
    const mine = (audit.body.entries as Json[]).filter((e) => e.target === id).map((e) => e.action).reverse();
    expect(mine).toEqual(['hazard.register', 'hazard.grade', 'hazard.plan', 'hazard.progress', 'hazard.request_acceptance', 'hazard.refuse', 'hazard.extend', 'hazard.request_acceptance', 'hazard.accept', 'hazard.close']);
  });

  it('lets an owner register and report at his site, never grade, accept or close', async () => {
    const id = (await http(TOKENS.owner, 'POST', '/api/v1/hazards', report(SITE_A))).body.hazard.id as string;
    for (const [path, body] of [['grade', { grade: 'general' }], ['accept', { note: 'ok', evidence: 'e' }], ['close', { note: 'ok' }], ['extend', { note: 'n', deadline: shanghaiDate(30) }]] as const) {
      const r = await http(TOKENS.owner, 'POST', `/api/v1/hazards/${id}/${path}`, body);
      expect(r.status, path).toBe(403);
    }
    // His scope is his one kitchen: the other county's kitchen does not exist for him.
    const elsewhere = await http(TOKENS.owner, 'POST', '/api/v1/hazards', report(SITE_B));
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.message).toBe(`no site ${SITE_B}`);
  });

  it('refuses the fixer as acceptor and a major grade without its criterion, saying why', async () => {
    const id = (await http(TOKENS.officer, 'POST', '/api/v1/hazards', report(SITE_A, { source: 'inspector' }))).body.hazard.id as string;
    const noCriterion = await http(TOKENS.officer, 'POST', `/api/v1/hazards/${id}/grade`, { grade: 'major' });
    expect(noCriterion.status).toBe(400);
    expect(noCriterion.body).toMatchObject({ reason: 'CRITERION_REQUIRED' });
    expect((await http(TOKENS.officer, 'POST', `/api/v1/hazards/${id}/grade`, { grade: 'general' })).status).toBe(200);
    const early = await http(TOKENS.officer, 'POST', `/api/v1/hazards/${id}/close`, { note: 'done' });
    expect(early.status).toBe(409);
    expect(early.body.reason).toBe('ACCEPTANCE_MISSING');
    expect((await http(TOKENS.officer, 'POST', `/api/v1/hazards/${id}/plan`, { responsible: 'owner Chen', measures: 'm', deadline: shanghaiDate(3) })).status).toBe(200);
    expect((await http(TOKENS.officer, 'POST', `/api/v1/hazards/${id}/acceptance-request`, { note: 'fixed it myself' })).status).toBe(200);
    const self = await http(TOKENS.officer, 'POST', `/api/v1/hazards/${id}/accept`, { note: 'fine', evidence: 'looked' });
    expect(self.status).toBe(409);
    expect(self.body).toMatchObject({ reason: 'SAME_PERSON' });
    expect(self.body.message).toContain('officer Li');
    const past = await http(TOKENS.officer, 'POST', `/api/v1/hazards/${id}/extend`, { note: 'n', deadline: '2020-01-01' });
    expect(past.status).toBe(400);
    expect(past.body.reason).toBe('DEADLINE_PASSED');
    const bad = await http(TOKENS.officer, 'POST', '/api/v1/hazards', report(SITE_A, { category: 'dragons' }));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('category');
  });

  it('leaves alarm, order and due-device records to the gateway, and refuses a second record of the same reference', async () => {
    const forged = await http(TOKENS.officer, 'POST', '/api/v1/hazards', report(SITE_A, { source: 'alarm', sourceRef: 'some-alarm' }));
    expect(forged.status).toBe(400);
    expect(forged.body.message).toContain('source: one of self_check, patrol, inspector, public_report');
    const first = await http(TOKENS.officer, 'POST', '/api/v1/hazards', report(SITE_A, { source: 'public_report', sourceRef: '12345-热线-0001' }));
    expect(first.status, first.text).toBe(201);
    const second = await http(TOKENS.officer, 'POST', '/api/v1/hazards', report(SITE_A, { source: 'public_report', sourceRef: '12345-热线-0001' }));
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ reason: 'DUPLICATE_SOURCE' });
    expect(second.body.message).toContain(first.body.hazard.id);
  });

  it("answers 404 for the other county's hazard and every act on it, as for a missing one", async () => {
    const idB = (await http(TOKENS.admin, 'POST', '/api/v1/hazards', report(SITE_B))).body.hazard.id as string;
    const missing = await http(officerA, 'GET', '/api/v1/hazards/HZ-none');
    expect(missing.status).toBe(404);
    const theirs = await http(officerA, 'GET', `/api/v1/hazards/${idB}`);
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual({ ...missing.body, message: `no hazard ${idB}` });
    const graded = await http(officerA, 'POST', `/api/v1/hazards/${idB}/grade`, { grade: 'general' });
    expect(graded.status).toBe(404);
    expect((await http(TOKENS.admin, 'GET', `/api/v1/hazards/${idB}`)).body.hazard.state).toBe('registered');
    const list = await http(officerA, 'GET', '/api/v1/hazards?limit=500');
    expect(list.body.hazards.length).toBeGreaterThan(0);
    expect(list.body.hazards.every((h: Json) => h.site === SITE_A)).toBe(true);
  });

  it('pages the list newest first without loss or repeat, and filters open and grade', async () => {
    const all = (await http(TOKENS.admin, 'GET', '/api/v1/hazards?limit=500')).body.hazards.map((h: Json) => h.id);
    const seen: string[] = [];
    let path = '/api/v1/hazards?limit=2';
    for (;;) {
      const page = await http(TOKENS.admin, 'GET', path);
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.hazards.map((h: Json) => h.id));
      if (!page.body.next) break;
      path = `/api/v1/hazards?limit=2&after=${page.body.next}`;
    }
    expect(seen).toEqual(all);
    const open = await http(TOKENS.admin, 'GET', '/api/v1/hazards?open=true');
    expect(open.body.hazards.every((h: Json) => h.state !== 'closed')).toBe(true);
    expect(open.body.hazards.length).toBe(all.length - 1);
    const major = await http(TOKENS.admin, 'GET', '/api/v1/hazards?grade=major');
    expect(major.body.hazards.map((h: Json) => h.grading.grade)).toEqual(['major']);
    expect((await http(TOKENS.admin, 'GET', '/api/v1/hazards?after=nonsense')).status).toBe(400);
  });
});
