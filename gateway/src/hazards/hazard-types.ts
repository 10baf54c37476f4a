// The hazard ledger's data (隐患台账): one hazard record from discovery to 销号, its audit events and
// the refusals of its machine (hazard.ts). Plain types, no I/O.

/** registered 登记 → graded 定级 → rectifying 整改中 → acceptance_requested 申请验收 → closed 销号. */
export type HazardState = 'registered' | 'graded' | 'rectifying' | 'acceptance_requested' | 'closed';

export const HAZARD_SOURCES = ['alarm', 'stop_work_order', 'self_check', 'patrol', 'inspector', 'public_report', 'device_replacement'] as const;
/** How the hazard was found: an alarm, a stop-work order, the unit's self-check (自查), a patrol (巡检), an inspector (执法检查), a public report (举报), a device due for replacement. */
export type HazardSource = (typeof HAZARD_SOURCES)[number];

export const HAZARD_CATEGORIES = ['gas_leak', 'hose_pipe', 'valve', 'detector', 'ventilation', 'appliance', 'cylinder', 'water_level', 'temperature', 'electrical', 'fire_exit', 'management', 'other'] as const;
export type HazardCategory = (typeof HAZARD_CATEGORIES)[number];

/** 一般 general / 重大 major. */
export type HazardGrade = 'general' | 'major';

/**
 * What makes a hazard 重大, each a published rule:
 * - `gas_standard_2023`: 住房和城乡建设部《城镇燃气经营安全重大隐患判定标准》(published September 2023), the
 *   criterion (its article and item) written in `criterion`;
 * - `order16_stop_work`: 《安全生产事故隐患排查治理暂行规定》(国家安监总局令第16号) 第三条: fixing it needs
 *   work stopped in whole or in part (全部或者局部停产停业) for a time;
 * - `order16_outside_help`: the same 第三条: external factors make it hard for the unit to remove alone
 *   (因外部因素影响致使生产经营单位自身难以排除).
 */
export const MAJOR_BASES = ['gas_standard_2023', 'order16_stop_work', 'order16_outside_help'] as const;
export type MajorBasis = (typeof MAJOR_BASES)[number];

export interface Grading {
  grade: HazardGrade;
  /** Null for a general hazard. */
  basis: MajorBasis | null;
  /** The criterion in words (for the 2023 standard, its article and item); null for a general hazard. */
  criterion: string | null;
  by: string;
  atMs: number;
}

/**
 * The fix plan and its 五落实 (five in place: responsibility, measures, funds, time limit, emergency
 * plan), as 16号令 第十五条 lists for a major hazard's plan (治理方案).
 */
export interface FixPlan {
  /** 责任落实: who answers for the fix. */
  responsible: string;
  /** 措施落实 */
  measures: string;
  /** 资金落实: yuan set aside (null when the unit records none, allowed for a general hazard). */
  fundsYuan: number | null;
  /** 时限落实: the last day of the fix, in the site's calendar. */
  deadlineDate: string;
  /** The instant that day ends in the site's time zone (deadline.ts). */
  deadlineMs: number;
  /** 预案落实: the emergency plan while the hazard stands (null allowed for a general hazard). */
  emergencyPlan: string | null;
  by: string;
  atMs: number;
}

/** 挂牌督办: the level, the authority that put the hazard under supervision and its notice number. */
export type SupervisionLevel = 'province' | 'city' | 'county';
export interface Supervision {
  level: SupervisionLevel;
  authority: string;
  noticeNumber: string;
  by: string;
  atMs: number;
}

export interface Signed {
  by: string;
  note: string;
  atMs: number;
}

export interface Acceptance extends Signed {
  result: 'passed' | 'refused';
  /** What the acceptor saw or measured (a test report number, a reading, a photo reference). */
  evidence: string;
}

export interface DeadlineExtension extends Signed {
  fromDate: string;
  toDate: string;
}

export interface Hazard {
  id: string;
  site: string;
  /** The site's region when registered (the registry's region id), null when it had none. */
  region: string | null;
  /** IANA zone of the site's wall clock: deadlines end at its midnight. */
  timeZone: string;
  state: HazardState;
  source: HazardSource;
  /** The alarm, order or device the hazard came from; with `source` it keys idempotent feeds. */
  sourceRef: string | null;
  category: HazardCategory;
  description: string;
  /** Where on site (the kitchen's back room, valve chamber 3). */
  location: string;
  foundBy: string;
  foundAtMs: number;
  registeredBy: string;
  registeredAtMs: number;
  grading: Grading | null;
  plan: FixPlan | null;
  extensions: DeadlineExtension[];
  supervision: Supervision | null;
  /** The stop-work order (停产停工令) it came from or needed. */
  stopWorkOrderId: string | null;
  /** Why a major hazard has no stop-work order, recorded by an officer who chose not to issue one. */
  noOrderReason: Signed | null;
  progress: Signed[];
  /** Who reported the fix done and asked for acceptance (the fixer, for the four-eyes rule). */
  acceptanceRequest: Signed | null;
  /** The latest verdict: a refusal sends the hazard back to rectifying and stays here until the next. */
  acceptance: Acceptance | null;
  /** 销号 */
  closure: Signed | null;
}

export type HazardEventKind =
  | 'registered'
  | 'graded'
  | 'regraded'
  | 'planned'
  | 'progress'
  | 'acceptance_requested'
  | 'accepted'
  | 'acceptance_refused'
  | 'closed'
  | 'deadline_extended'
  | 'supervised'
  | 'order_linked'
  | 'no_order_reason'
  | 'source_linked';

/** One line of the hazard's trail (hazard_event). */
export interface HazardEvent {
  hazardId: string;
  kind: HazardEventKind;
  actor: string;
  note: string | null;
  atMs: number;
}

export type HazardRejection =
  | 'ACTOR_REQUIRED'
  | 'NOTE_REQUIRED'
  | 'FIELD_REQUIRED'
  | 'WRONG_STATE'
  | 'ALREADY_CLOSED'
  | 'CRITERION_REQUIRED'
  | 'PLAN_INCOMPLETE'
  | 'DEADLINE_INVALID'
  | 'DEADLINE_PASSED'
  | 'DEADLINE_NOT_LATER'
  | 'SAME_PERSON'
  | 'ACCEPTANCE_MISSING'
  | 'ORDER_ALREADY_LINKED';

export interface HazardOutcome {
  next: Hazard;
  /** Audit events to persist with `next`, in the same transaction. */
  events: HazardEvent[];
  rejected?: HazardRejection;
  detail?: string;
}
