// The hazard ledger's machine (隐患台账): every move and every refusal, four eyes at acceptance and
// 销号, the deadline in the site's calendar. Inputs are deep-frozen: a move never edits its input.

import { describe, expect, it } from 'vitest';
import {
  closeHazard,
  extendDeadline,
  gradeHazard,
  isOverdue,
  judgeAcceptance,
  linkStopWorkOrder,
  needsOrderDecision,
  planFix,
  recordNoOrderReason,
  registerHazard,
  reportProgress,
  requestAcceptance,
  superviseHazard,
  type Hazard,
  type HazardOutcome,
} from '../../../gateway/src/hazards/hazard.js';
import { deepFreeze } from '../../support/freeze.js';

// 2026-12-08 10:00 in Shanghai (02:00 UTC).
const T0 = Date.UTC(2026, 11, 8, 2, 0, 0);
const HOUR = 3_600_000;

function registered(over: Partial<Parameters<typeof registerHazard>[0]> = {}): Hazard {
  const out = registerHazard({
    id: 'hz-1',
    site: 'kitchen-01',
    region: 'county-a',
    timeZone: 'Asia/Shanghai',
    source: 'patrol',
    category: 'hose_pipe',
    description: '软管老化开裂 hose cracked',
    location: '后厨灶台 back kitchen',
    foundBy: 'patrol-zhao',
    foundAtMs: T0 - HOUR,
    by: 'clerk-sun',
    atMs: T0,
    ...over,
  });
  if ('rejected' in out) throw new Error(out.detail);
  return deepFreeze(out.next);
}

function ok(out: HazardOutcome): Hazard {
  expect(out.rejected, out.detail).toBeUndefined();
  return deepFreeze(out.next);
}

function refused(out: HazardOutcome, before: Hazard, code: string): string {
  expect(out.rejected).toBe(code);
  expect(out.next).toBe(before);
  expect(out.events).toEqual([]);
  return out.detail ?? '';
}

const graded = (grade: 'general' | 'major' = 'general') =>
  ok(gradeHazard(registered(), grade === 'major' ? { grade, basis: 'order16_stop_work', criterion: '需局部停产更换管道 part of the kitchen must stop', by: 'officer-li', atMs: T0 + HOUR } : { grade, by: 'officer-li', atMs: T0 + HOUR }));
const planned = (h = graded()) => ok(planFix(h, { responsible: 'owner-chen', measures: '更换软管 replace hose with metal braided', deadlineDate: '2026-12-15', by: 'officer-li', atMs: T0 + 2 * HOUR }));
const requested = () => ok(requestAcceptance(planned(), { note: '已更换 replaced', by: 'fitter-wang', atMs: T0 + 3 * HOUR }));
const accepted = () => ok(judgeAcceptance(requested(), { result: 'passed', note: '检漏合格 leak test passed', evidence: 'report JC-2026-118', by: 'inspector-liu', atMs: T0 + 4 * HOUR }));

describe('registerHazard', () => {
  it('records who found it, where and from what, as one audit line', () => {
    const out = registerHazard({ id: 'hz-2', site: 's', region: null, timeZone: 'Asia/Shanghai', source: 'alarm', sourceRef: 'al-9', category: 'gas_leak', description: ' leak ', location: 'valve room', foundBy: 'gateway', foundAtMs: T0, by: 'gateway', atMs: T0 });
    if ('rejected' in out) throw new Error(out.detail);
    expect(out.next).toMatchObject({ state: 'registered', source: 'alarm', sourceRef: 'al-9', description: 'leak', grading: null, plan: null });
    expect(out.events).toEqual([{ hazardId: 'hz-2', kind: 'registered', actor: 'gateway', note: 'alarm al-9: leak', atMs: T0 }]);
  });

  it('refuses a record without description, location or finder, naming each', () => {
    const out = registerHazard({ id: 'x', site: 's', region: null, timeZone: 'Asia/Shanghai', source: 'self_check', category: 'other', description: ' ', location: '', foundBy: 'a', foundAtMs: T0, by: 'b', atMs: T0 });
    expect(out).toEqual({ rejected: 'FIELD_REQUIRED', detail: 'missing: description, location' });
  });

  it('refuses a hazard found in the future and an unnamed clerk', () => {
    const base = { id: 'x', site: 's', region: null, timeZone: 'Asia/Shanghai', source: 'self_check' as const, category: 'other' as const, description: 'd', location: 'l', foundBy: 'a' };
    expect(registerHazard({ ...base, foundAtMs: T0 + 1, by: 'b', atMs: T0 })).toMatchObject({ rejected: 'FIELD_REQUIRED' });
    expect(registerHazard({ ...base, foundAtMs: T0, by: '  ', atMs: T0 })).toMatchObject({ rejected: 'ACTOR_REQUIRED' });
  });
});

describe('gradeHazard', () => {
  it('grades general without a criterion', () => {
    const h = graded();
    expect(h.state).toBe('graded');
    expect(h.grading).toEqual({ grade: 'general', basis: null, criterion: null, by: 'officer-li', atMs: T0 + HOUR });
  });

  it('refuses major without basis or criterion', () => {
    const h = registered();
    refused(gradeHazard(h, { grade: 'major', by: 'o', atMs: T0 }), h, 'CRITERION_REQUIRED');
    refused(gradeHazard(h, { grade: 'major', basis: 'gas_standard_2023', criterion: ' ', by: 'o', atMs: T0 }), h, 'CRITERION_REQUIRED');
  });

  it('regrades a general hazard major while rectifying, keeping the state, as a regraded line', () => {
    const h = planned();
    const out = gradeHazard(h, { grade: 'major', basis: 'gas_standard_2023', criterion: '第六条 商业用户未安装可燃气体报警装置', by: 'inspector-liu', atMs: T0 + 5 * HOUR });
    const next = ok(out);
    expect(next.state).toBe('rectifying');
    expect(next.grading?.grade).toBe('major');
    expect(out.events[0]?.kind).toBe('regraded');
  });

  it('refuses to grade a closed hazard or one waiting for acceptance', () => {
    const waiting = requested();
    refused(gradeHazard(waiting, { grade: 'general', by: 'o', atMs: T0 }), waiting, 'WRONG_STATE');
    const closed = ok(closeHazard(accepted(), { note: '销号', by: 'officer-li', atMs: T0 + 5 * HOUR }));
    refused(gradeHazard(closed, { grade: 'general', by: 'o', atMs: T0 }), closed, 'ALREADY_CLOSED');
  });
});

describe('planFix (五落实)', () => {
  it('sets the plan with the deadline at the end of that day in the site zone and starts rectifying', () => {
    const h = planned();
    expect(h.state).toBe('rectifying');
    // 2026-12-15 ends at 2026-12-16 00:00 Shanghai = 2026-12-15 16:00 UTC.
    expect(h.plan).toMatchObject({ responsible: 'owner-chen', deadlineDate: '2026-12-15', deadlineMs: Date.UTC(2026, 11, 15, 16), fundsYuan: null, emergencyPlan: null });
  });

  it('refuses a plan before grading, and a second plan', () => {
    const r = registered();
    refused(planFix(r, { responsible: 'a', measures: 'b', deadlineDate: '2026-12-15', by: 'o', atMs: T0 }), r, 'WRONG_STATE');
    const p = planned();
    expect(refused(planFix(p, { responsible: 'a', measures: 'b', deadlineDate: '2026-12-20', by: 'o', atMs: T0 }), p, 'WRONG_STATE')).toContain('extend the deadline');
  });

  it('asks a major hazard for all five: funds and emergency plan too', () => {
    const g = graded('major');
    const detail = refused(planFix(g, { responsible: 'owner-chen', measures: 'm', deadlineDate: '2026-12-15', by: 'o', atMs: T0 + 2 * HOUR }), g, 'PLAN_INCOMPLETE');
    expect(detail).toContain('fundsYuan');
    expect(detail).toContain('emergencyPlan');
    const ok5 = ok(planFix(g, { responsible: 'owner-chen', measures: 'm', fundsYuan: 3000, emergencyPlan: '关阀疏散 close valve, evacuate', deadlineDate: '2026-12-15', by: 'o', atMs: T0 + 2 * HOUR }));
    expect(ok5.plan?.fundsYuan).toBe(3000);
  });

  it('refuses a missing responsible person or measures even for a general hazard', () => {
    const g = graded();
    expect(refused(planFix(g, { responsible: ' ', measures: '', deadlineDate: '2026-12-15', by: 'o', atMs: T0 }), g, 'PLAN_INCOMPLETE')).toBe('the fix plan lacks responsible (责任落实), measures (措施落实)');
  });

  it('refuses a deadline that is not a date or has already ended', () => {
    const g = graded();
    refused(planFix(g, { responsible: 'a', measures: 'b', deadlineDate: '2026-02-30', by: 'o', atMs: T0 }), g, 'DEADLINE_INVALID');
    refused(planFix(g, { responsible: 'a', measures: 'b', deadlineDate: '2026-12-07', by: 'o', atMs: T0 }), g, 'DEADLINE_PASSED');
    // Today is still open until local midnight: a same-day deadline is accepted.
    ok(planFix(g, { responsible: 'a', measures: 'b', deadlineDate: '2026-12-08', by: 'o', atMs: T0 }));
  });
});

describe('progress and acceptance', () => {
  it('logs progress while rectifying only', () => {
    const h = ok(reportProgress(planned(), { note: '已订购软管 hose ordered', by: 'owner-chen', atMs: T0 + 3 * HOUR }));
    expect(h.progress).toEqual([{ note: '已订购软管 hose ordered', by: 'owner-chen', atMs: T0 + 3 * HOUR }]);
    const g = graded();
    refused(reportProgress(g, { note: 'x', by: 'a', atMs: T0 }), g, 'WRONG_STATE');
    const p = planned();
    refused(reportProgress(p, { note: ' ', by: 'a', atMs: T0 }), p, 'NOTE_REQUIRED');
  });

  it('asks for acceptance once the fix is reported', () => {
    const h = requested();
    expect(h.state).toBe('acceptance_requested');
    expect(h.acceptanceRequest?.by).toBe('fitter-wang');
    refused(requestAcceptance(h, { note: 'again', by: 'fitter-wang', atMs: T0 }), h, 'WRONG_STATE');
  });

  it('four eyes: the fixer cannot accept, whatever the case or width of his name', () => {
    const h = requested();
    expect(refused(judgeAcceptance(h, { result: 'passed', note: 'fine', evidence: 'e', by: ' FITTER-WANG ', atMs: T0 }), h, 'SAME_PERSON')).toContain('fitter-wang');
    // Full-width letters fold to the same name under NFKC.
    refused(judgeAcceptance(h, { result: 'passed', note: 'fine', evidence: 'e', by: 'ｆｉｔｔｅｒ-ｗａｎｇ', atMs: T0 }), h, 'SAME_PERSON');
  });

  it('four eyes: the person who answers for the fix cannot accept it either', () => {
    const h = requested();
    refused(judgeAcceptance(h, { result: 'passed', note: 'fine', evidence: 'e', by: 'owner-chen', atMs: T0 }), h, 'SAME_PERSON');
  });

  it('a pass needs evidence and keeps the hazard waiting for 销号', () => {
    const h = requested();
    refused(judgeAcceptance(h, { result: 'passed', note: 'fine', by: 'inspector-liu', atMs: T0 }), h, 'FIELD_REQUIRED');
    const a = accepted();
    expect(a.state).toBe('acceptance_requested');
    expect(a.acceptance).toMatchObject({ result: 'passed', by: 'inspector-liu', evidence: 'report JC-2026-118' });
    refused(judgeAcceptance(a, { result: 'refused', note: 'changed my mind', by: 'inspector-zhou', atMs: T0 }), a, 'WRONG_STATE');
  });

  it('a refusal sends it back to rectifying; the fixer may ask again and another person accepts', () => {
    const out = judgeAcceptance(requested(), { result: 'refused', note: '接头仍漏 joint still leaks', by: 'inspector-liu', atMs: T0 + 4 * HOUR });
    const back = ok(out);
    expect(back.state).toBe('rectifying');
    expect(back.acceptance).toMatchObject({ result: 'refused', note: '接头仍漏 joint still leaks' });
    expect(out.events[0]?.kind).toBe('acceptance_refused');
    const again = ok(requestAcceptance(back, { note: '重新紧固 re-tightened', by: 'fitter-wang', atMs: T0 + 6 * HOUR }));
    const passed = ok(judgeAcceptance(again, { result: 'passed', note: 'ok', evidence: 'leak test 0 ppm', by: 'inspector-liu', atMs: T0 + 7 * HOUR }));
    expect(passed.acceptance?.result).toBe('passed');
  });

  it('refuses a verdict when no acceptance was asked for', () => {
    const p = planned();
    refused(judgeAcceptance(p, { result: 'passed', note: 'n', evidence: 'e', by: 'inspector-liu', atMs: T0 }), p, 'WRONG_STATE');
  });
});

describe('closeHazard (销号)', () => {
  it('strikes off an accepted fix', () => {
    const out = closeHazard(accepted(), { note: '同意销号', by: 'officer-li', atMs: T0 + 5 * HOUR });
    const h = ok(out);
    expect(h.state).toBe('closed');
    expect(h.closure).toEqual({ note: '同意销号', by: 'officer-li', atMs: T0 + 5 * HOUR });
    expect(out.events).toEqual([{ hazardId: 'hz-1', kind: 'closed', actor: 'officer-li', note: '同意销号', atMs: T0 + 5 * HOUR }]);
  });

  it('refuses without an accepted fix, by the fixer, or twice', () => {
    const r = requested();
    refused(closeHazard(r, { note: 'n', by: 'officer-li', atMs: T0 }), r, 'ACCEPTANCE_MISSING');
    const p = planned();
    refused(closeHazard(p, { note: 'n', by: 'officer-li', atMs: T0 }), p, 'ACCEPTANCE_MISSING');
    const a = accepted();
    refused(closeHazard(a, { note: 'n', by: 'fitter-wang', atMs: T0 }), a, 'SAME_PERSON');
    const c = ok(closeHazard(a, { note: 'n', by: 'officer-li', atMs: T0 }));
    refused(closeHazard(c, { note: 'n', by: 'officer-li', atMs: T0 }), c, 'ALREADY_CLOSED');
    refused(reportProgress(c, { note: 'n', by: 'a', atMs: T0 }), c, 'ALREADY_CLOSED');
  });
});

describe('extendDeadline (延期)', () => {
  it('moves the deadline later with a reason and keeps the history', () => {
    const out = extendDeadline(planned(), { deadlineDate: '2026-12-31', note: '等待金属软管到货 waiting for parts', by: 'officer-li', atMs: T0 + 5 * HOUR });
    const h = ok(out);
    expect(h.plan).toMatchObject({ deadlineDate: '2026-12-31', deadlineMs: Date.UTC(2026, 11, 31, 16) });
    expect(h.extensions).toEqual([{ fromDate: '2026-12-15', toDate: '2026-12-31', note: '等待金属软管到货 waiting for parts', by: 'officer-li', atMs: T0 + 5 * HOUR }]);
    expect(out.events[0]).toMatchObject({ kind: 'deadline_extended', note: '2026-12-15 → 2026-12-31: 等待金属软管到货 waiting for parts' });
  });

  it('refuses an earlier or equal date, no reason, no plan, or a closed hazard', () => {
    const p = planned();
    refused(extendDeadline(p, { deadlineDate: '2026-12-15', note: 'r', by: 'o', atMs: T0 }), p, 'DEADLINE_NOT_LATER');
    refused(extendDeadline(p, { deadlineDate: '2026-12-10', note: 'r', by: 'o', atMs: T0 }), p, 'DEADLINE_NOT_LATER');
    refused(extendDeadline(p, { deadlineDate: '2026-12-31', note: '', by: 'o', atMs: T0 }), p, 'NOTE_REQUIRED');
    const g = graded();
    refused(extendDeadline(g, { deadlineDate: '2026-12-31', note: 'r', by: 'o', atMs: T0 }), g, 'WRONG_STATE');
    const c = ok(closeHazard(accepted(), { note: 'n', by: 'officer-li', atMs: T0 }));
    refused(extendDeadline(c, { deadlineDate: '2027-01-31', note: 'r', by: 'o', atMs: T0 }), c, 'ALREADY_CLOSED');
  });

  it('an overdue hazard may be extended to a date still open, and is then no longer overdue', () => {
    const p = planned();
    const late = Date.UTC(2026, 11, 17, 2);
    expect(isOverdue(p, late)).toBe(true);
    refused(extendDeadline(p, { deadlineDate: '2026-12-16', note: 'r', by: 'o', atMs: late }), p, 'DEADLINE_PASSED');
    const e = ok(extendDeadline(p, { deadlineDate: '2026-12-20', note: 'r', by: 'o', atMs: late }));
    expect(isOverdue(e, late)).toBe(false);
  });
});

describe('overdue', () => {
  it('turns overdue at the local midnight that ends the deadline day, not a millisecond before', () => {
    const p = planned();
    const end = Date.UTC(2026, 11, 15, 16); // 2026-12-16 00:00 Shanghai
    expect(isOverdue(p, end - 1)).toBe(false);
    expect(isOverdue(p, end)).toBe(true);
  });

  it('is not overdue once the fix is reported done, nor before a plan', () => {
    expect(isOverdue(requested(), Date.UTC(2027, 0, 1))).toBe(false);
    expect(isOverdue(graded(), Date.UTC(2027, 0, 1))).toBe(false);
  });
});

describe('supervision, stop-work order', () => {
  it('records 挂牌督办 and allows raising, not lowering, its level', () => {
    const h = ok(superviseHazard(planned(), { level: 'county', authority: '某县住建局', noticeNumber: '督办〔2026〕12号', by: 'officer-li', atMs: T0 }));
    expect(h.supervision).toMatchObject({ level: 'county', authority: '某县住建局' });
    const up = ok(superviseHazard(h, { level: 'city', authority: '某市住建局', noticeNumber: '督办〔2026〕3号', by: 'officer-li', atMs: T0 }));
    refused(superviseHazard(up, { level: 'county', authority: 'a', noticeNumber: 'n', by: 'o', atMs: T0 }), up, 'WRONG_STATE');
    refused(superviseHazard(up, { level: 'province', authority: ' ', noticeNumber: 'n', by: 'o', atMs: T0 }), up, 'FIELD_REQUIRED');
  });

  it('a major hazard needs an order decision until an order is linked or a reason recorded', () => {
    const m = graded('major');
    expect(needsOrderDecision(m)).toBe(true);
    expect(needsOrderDecision(graded())).toBe(false);
    const linked = ok(linkStopWorkOrder(m, { orderId: 'ord-1', by: 'officer-li', atMs: T0 }));
    expect(needsOrderDecision(linked)).toBe(false);
    // The same order again is no move at all; another one is refused.
    expect(linkStopWorkOrder(linked, { orderId: 'ord-1', by: 'x', atMs: T0 })).toEqual({ next: linked, events: [] });
    refused(linkStopWorkOrder(linked, { orderId: 'ord-2', by: 'x', atMs: T0 }), linked, 'ORDER_ALREADY_LINKED');
    const reasoned = ok(recordNoOrderReason(m, { note: '该支路已物理隔断 the branch is already cut off', by: 'officer-li', atMs: T0 }));
    expect(needsOrderDecision(reasoned)).toBe(false);
  });
});
