// One inspection round (巡检) as a pure machine: scheduled → in progress → completed, each checklist
// item passed / failed / not applicable with a note; overdue once its window passes. A refused
// move comes back as `rejected`, never a throw; the repository persists `next` and `events`
// together, and turns each failed item into a hazard candidate.

import type { Checklist } from './checklists.js';
import type { RoundWindow } from './window.js';

export type RoundState = 'scheduled' | 'in_progress' | 'completed';
export type ItemResult = 'passed' | 'failed' | 'not_applicable';

export interface RoundItem {
  readonly id: string;
  readonly result: ItemResult | null;
  readonly note: string | null;
  readonly atMs: number | null;
  readonly by: string | null;
}

export interface Round {
  readonly id: string;
  readonly site: string;
  readonly checklist: string;
  readonly state: RoundState;
  readonly window: RoundWindow;
  readonly items: readonly RoundItem[];
  readonly startedAtMs: number | null;
  readonly startedBy: string | null;
  readonly completedAtMs: number | null;
  readonly completedBy: string | null;
  /** Completed after its window ended (still counts as done, but late). */
  readonly late: boolean;
}

export type RoundEvent =
  | { readonly kind: 'scheduled'; readonly atMs: number }
  | { readonly kind: 'started'; readonly atMs: number; readonly by: string }
  | { readonly kind: 'item_recorded'; readonly atMs: number; readonly by: string; readonly item: string; readonly result: ItemResult; readonly note: string | null }
  | { readonly kind: 'completed'; readonly atMs: number; readonly by: string; readonly failed: readonly string[]; readonly late: boolean };

export type RoundRejection =
  | 'NOT_SCHEDULED'
  | 'NOT_IN_PROGRESS'
  | 'UNKNOWN_ITEM'
  | 'NOTE_REQUIRED'
  | 'ITEMS_UNRECORDED'
  | 'BEFORE_WINDOW';

export interface RoundOutcome {
  readonly next: Round;
  readonly events: readonly RoundEvent[];
  readonly rejected?: RoundRejection;
  /** For ITEMS_UNRECORDED / UNKNOWN_ITEM: which items. */
  readonly detail?: readonly string[];
}

function refuse(round: Round, rejected: RoundRejection, detail?: readonly string[]): RoundOutcome {
  return { next: round, events: [], rejected, ...(detail !== undefined ? { detail } : {}) };
}

export function scheduleRound(input: { id: string; site: string; checklist: Checklist; window: RoundWindow; atMs: number }): RoundOutcome {
  const round: Round = {
    id: input.id,
    site: input.site,
    checklist: input.checklist.id,
    state: 'scheduled',
    window: input.window,
    items: input.checklist.items.map((i) => ({ id: i.id, result: null, note: null, atMs: null, by: null })),
    startedAtMs: null,
    startedBy: null,
    completedAtMs: null,
    completedBy: null,
    late: false,
  };
  return { next: round, events: [{ kind: 'scheduled', atMs: input.atMs }] };
}

/** Overdue: not completed and its window has ended. Derived, not stored, so it needs no timer. */
export function isOverdue(round: Round, nowMs: number): boolean {
  return round.state !== 'completed' && nowMs >= round.window.endMs;
}

export function startRound(round: Round, by: string, nowMs: number): RoundOutcome {
  if (round.state !== 'scheduled') return refuse(round, 'NOT_SCHEDULED');
  // A round walked before its month began would count for a month it did not see.
  if (nowMs < round.window.startMs) return refuse(round, 'BEFORE_WINDOW');
  return { next: { ...round, state: 'in_progress', startedAtMs: nowMs, startedBy: by }, events: [{ kind: 'started', atMs: nowMs, by }] };
}

/**
 * Record (or correct, while in progress) one item. A failure must say what was wrong: the note
 * becomes the hazard's description, and "failed" alone tells the rectifier nothing.
 */
export function recordItem(round: Round, input: { item: string; result: ItemResult; note?: string | null; by: string; atMs: number }): RoundOutcome {
  if (round.state !== 'in_progress') return refuse(round, 'NOT_IN_PROGRESS');
  if (!round.items.some((i) => i.id === input.item)) return refuse(round, 'UNKNOWN_ITEM', [input.item]);
  const note = input.note?.trim() ? input.note.trim() : null;
  if (input.result === 'failed' && note === null) return refuse(round, 'NOTE_REQUIRED', [input.item]);
  const items = round.items.map((i) => (i.id === input.item ? { id: i.id, result: input.result, note, atMs: input.atMs, by: input.by } : i));
  return { next: { ...round, items }, events: [{ kind: 'item_recorded', atMs: input.atMs, by: input.by, item: input.item, result: input.result, note }] };
}

/** Complete: every item must have a result, so a half-walked round never counts as done. */
export function completeRound(round: Round, by: string, nowMs: number): RoundOutcome {
  if (round.state !== 'in_progress') return refuse(round, 'NOT_IN_PROGRESS');
  const open = round.items.filter((i) => i.result === null).map((i) => i.id);
  if (open.length > 0) return refuse(round, 'ITEMS_UNRECORDED', open);
  const failed = round.items.filter((i) => i.result === 'failed').map((i) => i.id);
  const late = nowMs >= round.window.endMs;
  return {
    next: { ...round, state: 'completed', completedAtMs: nowMs, completedBy: by, late },
    events: [{ kind: 'completed', atMs: nowMs, by, failed, late }],
  };
}
