// GET /api/v1/hazards/report over real HTTP on a started gateway with two counties, hazards entered
// through the ledger API in this quarter and the one before: exact counts per county and for the
// province, a hazard found last quarter and fixed this one counted in each as such, an officer of
// county A seeing only A, the CSV with its Chinese headers, and a bad period refused with its form.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { REGION_A, REGION_B, SITE_A, SITE_B, twoCounties } from '../../support/regions.js';
import { startApiGateway, TOKENS } from './helpers.js';

type Env = Awaited<ReturnType<typeof startApiGateway>>;
type Json = Record<string, any>;

const SHANGHAI = 8 * 3_600_000;
function shanghaiDate(days: number): string {
  return new Date(Date.now() + SHANGHAI + days * 86_400_000).toISOString().slice(0, 10);
}
/** This quarter and the one before, in Shanghai's calendar, and an instant ten days into the one before. */
function quarters(): { now: string; before: string; inBeforeMs: number } {
  const today = shanghaiDate(0);
  const year = Number(today.slice(0, 4));
  const q = Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1;
  const [py, pq] = q === 1 ? [year - 1, 4] : [year, q - 1];
  const inBeforeMs = Date.UTC(py, (pq - 1) * 3, 11) - SHANGHAI;
  return { now: `${year}-Q${q}`, before: `${py}-Q${pq}`, inBeforeMs };
}

describe('the hazard report API', () => {
  let env: Env;
  let base: string;
  let officerA: string;
  const Q = quarters();

  async function http(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json; text: string; headers: Headers }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Json) : {}, text, headers: res.headers };
  }
  async function ok(token: string, path: string, body: unknown): Promise<Json> {
    const r = await http(token, 'POST', path, body);
    expect(r.status, `${path}: ${r.text}`).toBeLessThan(300);
    return r.body;
  }
  const register = async (site: string, category: string, foundAt?: number) =>
    ((await ok(TOKENS.officer, '/api/v1/hazards', { site, source: 'inspector', category, description: '隐患', location: '后厨', ...(foundAt === undefined ? {} : { foundAt }) })).hazard as Json).id as string;

  beforeAll(async () => {
    env = await startApiGateway(twoCounties);
    base = `http://127.0.0.1:${env.gateway.apiPort}`;
    const made = await http(TOKENS.admin, 'POST', '/api/v1/users', { name: 'li.ming', displayName: '李明', password: 'correct horse battery', role: 'officer', scope: `region:${REGION_A}` });
    expect(made.status, made.text).toBe(200);
    const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'li.ming', password: 'correct horse battery' }) });
    officerA = ((await login.json()) as Json).token as string;

    // County A: found last quarter, fixed on time this quarter (general).
    const h1 = await register(SITE_A, 'hose_pipe', Q.inBeforeMs);
    await ok(TOKENS.officer, `/api/v1/hazards/${h1}/grade`, { grade: 'general' });
    await ok(TOKENS.officer, `/api/v1/hazards/${h1}/plan`, { responsible: 'owner Chen', measures: '更换软管', deadline: shanghaiDate(7) });
    await ok(TOKENS.owner, `/api/v1/hazards/${h1}/acceptance-request`, { note: '已更换' });
    await ok(TOKENS.officer, `/api/v1/hazards/${h1}/accept`, { note: '合格', evidence: '检漏 0 ppm' });
    // County A: found this quarter, major, being fixed.
    const h2 = await register(SITE_A, 'valve');
    await ok(TOKENS.officer, `/api/v1/hazards/${h2}/grade`, { grade: 'major', basis: 'order16_stop_work', criterion: '需局部停产' });
    // County B: found last quarter, not graded.
    await register(SITE_B, 'detector', Q.inBeforeMs);
  }, 60_000);

  afterAll(async () => {
    await env?.stop();
  });

  const rowOf = (body: Json, region: string) => (body.rows as Json[]).find((r) => r.region === region);

  it('counts last quarter per county and for the province', async () => {
    const r = await http(TOKENS.admin, 'GET', `/api/v1/hazards/report?period=${Q.before}&region=hubei`);
    expect(r.status, r.text).toBe(200);
    expect((r.body.rows as Json[]).map((x) => x.region)).toEqual(['hubei', REGION_A, REGION_B]);
    expect(rowOf(r.body, 'hubei')).toMatchObject({ name: '湖北省', found: 2, fixed: 0, foundFixedOnTime: 1, fixRate: 0.5 });
    expect(rowOf(r.body, REGION_A)).toMatchObject({ found: 1, foundGeneral: 1, fixed: 0, overdue: 0, fixRate: 1, byCategory: { hose_pipe: { found: 1, fixed: 0, overdue: 0 } } });
    expect(rowOf(r.body, REGION_B)).toMatchObject({ found: 1, foundUngraded: 1, fixed: 0, fixRate: 0 });
  });

  it('counts the hazard found last quarter as fixed this quarter', async () => {
    const r = await http(TOKENS.admin, 'GET', `/api/v1/hazards/report?period=${Q.now}&region=hubei`);
    expect(r.status, r.text).toBe(200);
    // County B has a hazard on the ledger but none found, fixed or overdue this quarter: it reports zeros.
    expect((r.body.rows as Json[]).map((x) => x.region)).toEqual(['hubei', REGION_A, REGION_B]);
    expect(rowOf(r.body, REGION_B)).toMatchObject({ found: 0, fixed: 0, overdue: 0, fixRate: null });
    expect(rowOf(r.body, REGION_A)).toMatchObject({ found: 1, foundMajor: 1, fixed: 1, fixedGeneral: 1, fixedFoundEarlier: 1, foundFixedOnTime: 0, fixRate: 0 });
  });

  it('shows an officer of county A only county A', async () => {
    const r = await http(officerA, 'GET', `/api/v1/hazards/report?period=${Q.before}&region=hubei`);
    expect(r.status, r.text).toBe(200);
    expect((r.body.rows as Json[]).map((x) => x.region)).toEqual(['hubei', REGION_A]);
    expect(rowOf(r.body, 'hubei')).toMatchObject({ found: 1, fixRate: 1 });
    const b = await http(officerA, 'GET', `/api/v1/hazards/report?period=${Q.before}&region=${REGION_B}`);
    expect(b.status).toBe(200);
    expect(b.body.rows).toEqual([]);
  });

  it('exports the CSV with Chinese headers and refuses a bad period or region', async () => {
    const r = await http(TOKENS.viewer, 'GET', `/api/v1/hazards/report?period=${Q.before}&region=hubei&format=csv`);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/csv');
    const lines = r.text.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('地区编码,地区,统计期,发现隐患,一般隐患,重大隐患,未定级,整改完成,其中一般,其中重大,其中以前发现,本期发现按期整改,逾期未整改,其中重大逾期,整改率(%)');
    expect(lines[1]).toBe(`hubei,湖北省,${Q.before},2,1,0,1,0,0,0,0,1,0,0,50`);
    const bad = await http(TOKENS.viewer, 'GET', '/api/v1/hazards/report?period=2026-Q5');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('2026-Q4');
    const nowhere = await http(TOKENS.viewer, 'GET', `/api/v1/hazards/report?period=${Q.before}&region=atlantis`);
    expect(nowhere.status).toBe(404);
  });

  it('exports the XLSX with the numbers as numbers', async () => {
    const res = await fetch(`${base}/api/v1/hazards/report?period=${Q.before}&region=hubei&format=xlsx`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(encodeURIComponent('隐患排查治理统计'));
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    const sheet = book.getWorksheet('隐患统计')!;
    expect(sheet.getRow(1).getCell(4).value).toBe('发现隐患');
    expect(sheet.getRow(2).getCell(2).value).toBe('湖北省');
    expect(sheet.getRow(2).getCell(4).value).toBe(2);
    expect(sheet.getRow(2).getCell(15).value).toBe(50);
    expect(sheet.rowCount).toBe(4);
  });
});
