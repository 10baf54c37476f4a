import { describe, expect, it } from 'vitest';
import { CHECKLISTS, KITCHEN_CHECKLIST, checklistFor } from '../../../gateway/src/inspections/checklists.js';
import { completeRound, isOverdue, recordItem, scheduleRound, startRound, type Round } from '../../../gateway/src/inspections/round.js';
import { localMonth, monthWindow, windowAt } from '../../../gateway/src/inspections/window.js';

const SH = 'Asia/Shanghai';
const march = monthWindow('2026-03', SH);
const inMarch = Date.UTC(2026, 2, 10, 2);

function scheduled(): Round {
  return scheduleRound({ id: 'r1', site: 'kitchen-1', checklist: KITCHEN_CHECKLIST, window: march, atMs: march.startMs }).next;
}
function started(): Round {
  return startRound(scheduled(), 'insp-li', inMarch).next;
}
function allRecorded(failOne = false): Round {
  let r = started();
  for (const item of KITCHEN_CHECKLIST.items) {
    const failed = failOne && item.id === 'hose-condition';
    r = recordItem(r, { item: item.id, result: failed ? 'failed' : 'passed', note: failed ? 'hose cracked at the clamp' : null, by: 'insp-li', atMs: inMarch + 1 }).next;
  }
  return r;
}

describe('inspection round machine', () => {
  it('schedules with every checklist item unrecorded', () => {
    const out = scheduleRound({ id: 'r1', site: 's', checklist: KITCHEN_CHECKLIST, window: march, atMs: 1 });
    expect(out.next.state).toBe('scheduled');
    expect(out.next.items.map((i) => i.id)).toEqual(KITCHEN_CHECKLIST.items.map((i) => i.id));
    expect(out.events).toEqual([{ kind: 'scheduled', atMs: 1 }]);
  });

  it('starts a scheduled round inside its window', () => {
    const out = startRound(scheduled(), 'insp-li', inMarch);
    expect(out.rejected).toBeUndefined();
    expect(out.next).toMatchObject({ state: 'in_progress', startedBy: 'insp-li', startedAtMs: inMarch });
  });

  it('refuses to start before the window opens', () => {
    expect(startRound(scheduled(), 'insp-li', march.startMs - 1).rejected).toBe('BEFORE_WINDOW');
  });

  it('refuses to start a round twice', () => {
    expect(startRound(started(), 'insp-li', inMarch).rejected).toBe('NOT_SCHEDULED');
  });

  it('refuses to record an item before the round is started', () => {
    expect(recordItem(scheduled(), { item: 'valve-works', result: 'passed', by: 'x', atMs: inMarch }).rejected).toBe('NOT_IN_PROGRESS');
  });

  it('refuses an item that is not on the checklist, naming it', () => {
    const out = recordItem(started(), { item: 'roof', result: 'passed', by: 'x', atMs: inMarch });
    expect(out.rejected).toBe('UNKNOWN_ITEM');
    expect(out.detail).toEqual(['roof']);
  });

  it('refuses a failed item without a note (the note is what the rectifier reads)', () => {
    expect(recordItem(started(), { item: 'valve-works', result: 'failed', note: '  ', by: 'x', atMs: inMarch }).rejected).toBe('NOTE_REQUIRED');
  });

  it('records passed, failed with a note, and not applicable; a later record corrects an earlier one', () => {
    let r = started();
    r = recordItem(r, { item: 'valve-works', result: 'failed', note: 'meter valve stiff', by: 'x', atMs: inMarch }).next;
    r = recordItem(r, { item: 'ventilation', result: 'not_applicable', by: 'x', atMs: inMarch }).next;
    const out = recordItem(r, { item: 'valve-works', result: 'passed', by: 'x', atMs: inMarch + 5 });
    expect(out.next.items.find((i) => i.id === 'valve-works')).toMatchObject({ result: 'passed', note: null, atMs: inMarch + 5 });
    expect(out.next.items.find((i) => i.id === 'ventilation')?.result).toBe('not_applicable');
    expect(out.events[0]).toMatchObject({ kind: 'item_recorded', item: 'valve-works', result: 'passed' });
  });

  it('refuses to complete while items are unrecorded, naming them', () => {
    const r = recordItem(started(), { item: 'valve-works', result: 'passed', by: 'x', atMs: inMarch }).next;
    const out = completeRound(r, 'insp-li', inMarch);
    expect(out.rejected).toBe('ITEMS_UNRECORDED');
    expect(out.detail).toContain('hose-condition');
    expect(out.detail).not.toContain('valve-works');
  });

  it('refuses to complete a round that was never started', () => {
    expect(completeRound(scheduled(), 'x', inMarch).rejected).toBe('NOT_IN_PROGRESS');
  });

  it('completes in the window on time and lists the failed items', () => {
    const out = completeRound(allRecorded(true), 'insp-li', inMarch + 10);
    expect(out.next).toMatchObject({ state: 'completed', completedBy: 'insp-li', late: false });
    expect(out.events).toEqual([{ kind: 'completed', atMs: inMarch + 10, by: 'insp-li', failed: ['hose-condition'], late: false }]);
  });

  it('refuses every move on a completed round', () => {
    const done = completeRound(allRecorded(), 'x', inMarch + 10).next;
    expect(completeRound(done, 'x', inMarch + 11).rejected).toBe('NOT_IN_PROGRESS');
    expect(recordItem(done, { item: 'valve-works', result: 'failed', note: 'n', by: 'x', atMs: inMarch }).rejected).toBe('NOT_IN_PROGRESS');
    expect(startRound(done, 'x', inMarch).rejected).toBe('NOT_SCHEDULED');
  });

  it('is overdue from the end of its window until completed, and a late completion is marked late', () => {
    expect(isOverdue(scheduled(), march.endMs - 1)).toBe(false);
    expect(isOverdue(scheduled(), march.endMs)).toBe(true);
    expect(isOverdue(started(), march.endMs + 1)).toBe(true);
    const done = completeRound(allRecorded(), 'x', march.endMs + 1).next;
    expect(done.late).toBe(true);
    expect(isOverdue(done, march.endMs + 2)).toBe(false);
  });
});

describe('round window in the site time zone', () => {
  it('a March round in Shanghai runs from local midnight 1 March to local midnight 1 April (UTC+8)', () => {
    expect(march.startMs).toBe(Date.UTC(2026, 1, 28, 16));
    expect(march.endMs).toBe(Date.UTC(2026, 2, 31, 16));
  });

  it('00:30 on 1 April in Shanghai is already April although UTC still says 31 March', () => {
    const at = Date.UTC(2026, 2, 31, 16, 30);
    expect(localMonth(at, SH)).toBe('2026-04');
    expect(localMonth(at, 'UTC')).toBe('2026-03');
    expect(isOverdue(scheduled(), at)).toBe(true);
  });

  it('the same month ends two hours later in Urumqi (UTC+6) than in Shanghai', () => {
    expect(monthWindow('2026-03', 'Asia/Urumqi').endMs - march.endMs).toBe(2 * 3600_000);
  });

  it('crosses a DST change: a Berlin March is one hour shorter than 31 days', () => {
    const w = monthWindow('2026-03', 'Europe/Berlin');
    expect(w.endMs - w.startMs).toBe(31 * 86400_000 - 3600_000);
    expect(w.startMs).toBe(Date.UTC(2026, 1, 28, 23));
    expect(w.endMs).toBe(Date.UTC(2026, 2, 31, 22));
  });

  it('December rolls over into January of the next year', () => {
    expect(monthWindow('2026-12', SH).endMs).toBe(Date.UTC(2026, 11, 31, 16));
  });

  it('a weekly window starts on local Monday midnight', () => {
    const sundayNightUtcMondayLocal = Date.UTC(2026, 2, 8, 17); // Mon 9 Mar 01:00 in Shanghai
    const w = windowAt(sundayNightUtcMondayLocal, 'weekly', SH);
    expect(w.startMs).toBe(Date.UTC(2026, 2, 8, 16));
    expect(w.endMs - w.startMs).toBe(7 * 86400_000);
  });

  it('refuses a malformed month', () => {
    expect(() => monthWindow('2026-13', SH)).toThrow(RangeError);
    expect(() => monthWindow('March', SH)).toThrow(RangeError);
  });
});

describe('checklists', () => {
  it('every preset has a checklist whose items have unique ids and a named source', () => {
    for (const list of Object.values(CHECKLISTS)) {
      const ids = list.items.map((i) => i.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const item of list.items) expect(item.source.length).toBeGreaterThan(10);
    }
  });

  it('the kitchen round checks hose, valves, detector and ventilation', () => {
    expect(checklistFor('restaurant_kitchen').items.map((i) => i.id)).toEqual(expect.arrayContaining(['hose-condition', 'valve-works', 'detector-tested', 'ventilation']));
    expect(checklistFor(undefined).items.length).toBeGreaterThan(0);
  });
});
