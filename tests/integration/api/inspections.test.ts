// Inspection rounds over real HTTP on a started gateway with two counties: a round walked from
// scheduling to completion with a failed item filed in the hazard ledger, refusals with their
// reason, 404 outside the scope, the list scoped and the completion rate per region and month.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SITE_A, SITE_B } from '../../support/regions.js';
import { TOKENS } from './helpers.js';
import { startCountyApi, type CountyApi } from './county-api.js';

type Json = Record<string, any>;

/** The Shanghai month now, as the rounds count it. */
const shanghaiMonth = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);

describe('the inspection rounds API', () => {
  let api: CountyApi;
  let officerA: string;
  const http = (...call: Parameters<CountyApi['http']>) => api.http(...call);

  beforeAll(async () => {
    api = await startCountyApi();
    ({ officerA } = api);
  }, 30_000);

  afterAll(async () => {
    await api?.env.stop();
  });

  it('walks a round: schedule, start, record each item, refuse an unnoted failure, complete; the failure becomes a hazard', async () => {
    const made = await http(TOKENS.officer, 'POST', '/api/v1/inspections', { site: SITE_A });
    expect(made.status, made.text).toBe(201);
    const round = made.body.round as Json;
    expect(round).toMatchObject({ site: SITE_A, state: 'scheduled', overdue: false });
    const again = await http(TOKENS.officer, 'POST', '/api/v1/inspections', { site: SITE_A });
    expect(again.status).toBe(200);
    expect(again.body.round.id).toBe(round.id);

    const early = await http(TOKENS.officer, 'POST', `/api/v1/inspections/${round.id}/complete`);
    expect(early.status).toBe(409);
    expect(early.body.reason).toBe('NOT_IN_PROGRESS');

    expect((await http(TOKENS.officer, 'POST', `/api/v1/inspections/${round.id}/start`)).status).toBe(200);
    const items = (round.items as Json[]).map((i) => i.id as string);
    const [first, ...rest] = items;
    const unnoted = await http(TOKENS.officer, 'POST', `/api/v1/inspections/${round.id}/items/${first}`, { result: 'failed' });
    expect(unnoted.status).toBe(400);
    expect(unnoted.body.reason).toBe('NOTE_REQUIRED');
    const unknown = await http(TOKENS.officer, 'POST', `/api/v1/inspections/${round.id}/items/roof`, { result: 'passed' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.reason).toBe('UNKNOWN_ITEM');

    expect((await http(TOKENS.officer, 'POST', `/api/v1/inspections/${round.id}/items/${first}`, { result: 'failed', note: '软管龟裂 hose cracked' })).status).toBe(200);
    const half = await http(TOKENS.officer, 'POST', `/api/v1/inspections/${round.id}/complete`);
    expect(half.status).toBe(409);
    expect(half.body.reason).toBe('ITEMS_UNRECORDED');
    for (const item of rest) expect((await http(TOKENS.officer, 'POST', `/api/v1/inspections/${round.id}/items/${item}`, { result: 'passed' })).status).toBe(200);
    const done = await http(TOKENS.officer, 'POST', `/api/v1/inspections/${round.id}/complete`);
    expect(done.status, done.text).toBe(200);
    expect(done.body.round).toMatchObject({ state: 'completed', late: false });

    const hazards = await http(TOKENS.officer, 'GET', `/api/v1/hazards?site=${SITE_A}`);
    const filed = (hazards.body.hazards as Json[]).find((h) => h.source === 'patrol' && h.sourceRef === `${round.id}/${first}`);
    expect(filed?.description).toContain('软管龟裂');
  });

  it('a round outside the caller scope answers 404, and the list and rates hold only the scope', async () => {
    const b = await http(TOKENS.officer, 'POST', '/api/v1/inspections', { site: SITE_B });
    expect(b.status, b.text).toBe(201);
    expect((await http(officerA, 'GET', `/api/v1/inspections/${b.body.round.id}`)).status).toBe(404);
    expect((await http(officerA, 'POST', `/api/v1/inspections/${b.body.round.id}/start`)).status).toBe(404);
    expect((await http(officerA, 'POST', '/api/v1/inspections', { site: SITE_B })).status).toBe(404);

    const mine = await http(officerA, 'GET', '/api/v1/inspections?limit=10');
    expect(mine.status, mine.text).toBe(200);
    expect((mine.body.rounds as Json[]).map((r) => r.site)).toEqual([SITE_A]);

    const m = shanghaiMonth();
    const all = await http(TOKENS.officer, 'GET', `/api/v1/inspections/rates?from=${m}&to=${m}`);
    expect(all.status, all.text).toBe(200);
    expect((all.body.rates as Json[]).reduce((n, r) => n + (r.due as number), 0)).toBe(2);
    const scoped = await http(officerA, 'GET', `/api/v1/inspections/rates?from=${m}&to=${m}`);
    expect(scoped.body.rates).toHaveLength(1);
    expect(scoped.body.rates[0]).toMatchObject({ due: 1, completed: 1, rate: 1 });
    expect((await http(officerA, 'GET', '/api/v1/inspections/rates?from=2026-13&to=2026-01')).status).toBe(400);
  });

  it('pages the list with a cursor', async () => {
    const p1 = await http(TOKENS.officer, 'GET', '/api/v1/inspections?limit=1');
    expect(p1.body.rounds).toHaveLength(1);
    expect(typeof p1.body.next).toBe('string');
    const p2 = await http(TOKENS.officer, 'GET', `/api/v1/inspections?limit=1&after=${p1.body.next}`);
    expect(p2.body.rounds).toHaveLength(1);
    expect(p2.body.rounds[0].id).not.toBe(p1.body.rounds[0].id);
    expect(p2.body.next).toBeUndefined();
  });
});
