// Alarm-system metrics per site and per local day (ISA-18.2 §16 / EEMUA 191 performance measures):
// alarm rate per 10 minutes, time in flood, the top ten alarms' share, chattering and
// stale counts, time to acknowledge, standing alarms. Pure over rows the repository reads.

import type { Scope } from '../contract/scope.js';
import { ShaobingError } from '../errors.js';
import type { Alarm } from './lifecycle.js';
import { isFloodAlarm } from './flood.js';

export interface MetricsEvent {
  alarmId: string;
  kind: 'acked' | 'chattering' | 'stale_alarm';
  atMs: number;
}

export interface MetricsRows {
  alarms: readonly Alarm[];
  events: readonly MetricsEvent[];
}

export interface MetricsQuery {
  fromMs: number;
  toMs: number;
  site?: string;
  /** The caller's scope, a condition of the query that reads the alarms (absent: all). */
  scope?: Scope;
  /** Sites to report even on days without alarms (the API passes the configured ones). */
  sites?: readonly string[];
  /** Each site's IANA time zone; days are local days there (default Asia/Shanghai). */
  timeZoneOf?: (site: string) => string;
  /** A 10-minute period with more alarms than this is a flood period (ISA-18.2: 10). */
  floodAlarms?: number;
}

export interface TopAlarm {
  ruleId: string;
  device: string;
  channel: string;
  count: number;
}

export interface DayMetrics {
  site: string;
  /** Local date in the site's time zone, YYYY-MM-DD. */
  day: string;
  timeZone: string;
  /** The part of the day inside the query range. */
  fromMs: number;
  toMs: number;
  /** Alarms raised (the consolidated flood alarm is not counted: it is not an alarm of the plant). */
  alarms: number;
  /** ISA-18.2: about 1 per 10 min acceptable, 2 manageable. */
  per10Min: { average: number; peak: number };
  /** Time the site's consolidated flood alarm was active (flood.ts: it clears a quiet window late). */
  floodMs: number;
  /** floodMs over the covered time. ISA-18.2 target: under 1 % of the time. */
  floodShare: number;
  /** ISA-18.2's own count: 10-minute periods holding more than `floodAlarms` alarms. */
  floodPeriods: number;
  /** Share of the day's alarms from its ten most frequent (rule, device, channel); null without alarms. */
  topTenShare: number | null;
  topTen: TopAlarm[];
  chattering: number;
  stale: number;
  /** From raise to the first acknowledgement, for alarms raised that day and acknowledged. */
  ack: { count: number; meanMs: number; p90Ms: number; maxMs: number } | null;
  /** Alarms whose condition was still present at the end of the day (or of the range). */
  standing: number;
}

export interface AlarmSystemMetrics {
  fromMs: number;
  toMs: number;
  days: DayMetrics[];
}

const TEN_MIN_MS = 600_000;
/** A year of days at 144 buckets a day stays cheap; more is a query to refuse, not to run. */
const MAX_RANGE_MS = 366 * 86_400_000;
const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** Anything that reads the rows: AlarmRepository does. */
export interface MetricsSource {
  metricsRows(q: { fromMs: number; toMs: number; site?: string; scope?: Scope }): MetricsRows;
}

/** Reads the rows and computes the metrics: for `GET /api/v1/metrics/alarms` and the daily briefing. */
export function alarmSystemMetrics(source: MetricsSource, query: MetricsQuery): AlarmSystemMetrics {
  checkRange(query);
  const rows = source.metricsRows({ fromMs: query.fromMs, toMs: query.toMs, ...(query.site !== undefined ? { site: query.site } : {}), ...(query.scope !== undefined ? { scope: query.scope } : {}) });
  return computeAlarmMetrics(rows, query);
}

function checkRange(q: MetricsQuery): void {
  if (!Number.isFinite(q.fromMs) || !Number.isFinite(q.toMs) || q.fromMs >= q.toMs) {
    throw new ShaobingError('METRICS_RANGE_INVALID', `metrics range needs fromMs < toMs, got ${q.fromMs}..${q.toMs}`);
  }
  if (q.toMs - q.fromMs > MAX_RANGE_MS) throw new ShaobingError('METRICS_RANGE_INVALID', 'metrics range is limited to 366 days');
}

export function computeAlarmMetrics(rows: MetricsRows, query: MetricsQuery): AlarmSystemMetrics {
  checkRange(query);
  const sites = new Set<string>(query.sites ?? []);
  if (query.site !== undefined) sites.add(query.site);
  for (const a of rows.alarms) sites.add(a.site);
  const eventsByAlarm = new Map<string, MetricsEvent[]>();
  for (const e of rows.events) {
    const list = eventsByAlarm.get(e.alarmId);
    if (list) list.push(e);
    else eventsByAlarm.set(e.alarmId, [e]);
  }
  const days: DayMetrics[] = [];
  for (const site of [...sites].sort()) {
    if (query.site !== undefined && site !== query.site) continue;
    const timeZone = query.timeZoneOf?.(site) ?? DEFAULT_TIME_ZONE;
    const alarms = rows.alarms.filter((a) => a.site === site);
    for (const span of daySpans(query.fromMs, query.toMs, timeZone)) days.push(dayMetrics(site, timeZone, span, alarms, eventsByAlarm, query.floodAlarms ?? 10));
  }
  return { fromMs: query.fromMs, toMs: query.toMs, days };
}

interface DaySpan {
  day: string;
  fromMs: number;
  toMs: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local date at `ms` in `timeZone` (en-CA formats as YYYY-MM-DD). */
export function localDay(ms: number, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f.format(ms);
}

/**
 * The range cut into local days. Days are built from 10-minute buckets aligned to the epoch, each
 * given to the local day of its start: exact for every zone whose offset is a whole number of
 * 10 minutes (China's +8 and nearly all others), within one bucket for the rest (+5:45, +12:45).
 */
function daySpans(fromMs: number, toMs: number, timeZone: string): DaySpan[] {
  const spans: DaySpan[] = [];
  for (let b = Math.floor(fromMs / TEN_MIN_MS) * TEN_MIN_MS; b < toMs; b += TEN_MIN_MS) {
    const start = Math.max(b, fromMs);
    const end = Math.min(b + TEN_MIN_MS, toMs);
    const day = localDay(start, timeZone);
    const last = spans[spans.length - 1];
    if (last && last.day === day) last.toMs = end;
    else spans.push({ day, fromMs: start, toMs: end });
  }
  return spans;
}

function dayMetrics(site: string, timeZone: string, span: DaySpan, alarms: readonly Alarm[], eventsByAlarm: ReadonlyMap<string, MetricsEvent[]>, floodAlarms: number): DayMetrics {
  const inDay = (ms: number) => ms >= span.fromMs && ms < span.toMs;
  const plant = alarms.filter((a) => !isFloodAlarm(a));
  const raised = plant.filter((a) => inDay(a.raisedAtMs));

  const buckets = new Map<number, number>();
  for (const a of raised) {
    const b = Math.floor(a.raisedAtMs / TEN_MIN_MS);
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
  }
  const coveredMs = span.toMs - span.fromMs;

  let floodMs = 0;
  for (const a of alarms) {
    if (!isFloodAlarm(a)) continue;
    const end = a.clearedAtMs ?? span.toMs;
    floodMs += Math.max(0, Math.min(end, span.toMs) - Math.max(a.raisedAtMs, span.fromMs));
  }

  const groups = new Map<string, TopAlarm>();
  for (const a of raised) {
    const key = `${a.ruleId}\u0000${a.device}\u0000${a.channel}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { ruleId: a.ruleId, device: a.device, channel: a.channel, count: 1 });
  }
  const topTen = [...groups.values()]
    .sort((x, y) => y.count - x.count || x.ruleId.localeCompare(y.ruleId) || x.device.localeCompare(y.device) || x.channel.localeCompare(y.channel))
    .slice(0, 10);

  let chattering = 0;
  let stale = 0;
  const ackMs: number[] = [];
  for (const a of plant) {
    const events = eventsByAlarm.get(a.id) ?? [];
    if (events.some((e) => e.kind === 'chattering' && inDay(e.atMs))) chattering++;
    stale += events.filter((e) => e.kind === 'stale_alarm' && inDay(e.atMs)).length;
    if (!inDay(a.raisedAtMs)) continue;
    const firstAck = events.find((e) => e.kind === 'acked');
    if (firstAck) ackMs.push(firstAck.atMs - a.raisedAtMs);
  }

  const standing = plant.filter((a) => a.raisedAtMs < span.toMs && (a.clearedAtMs === null || a.clearedAtMs >= span.toMs)).length;

  return {
    site,
    day: span.day,
    timeZone,
    fromMs: span.fromMs,
    toMs: span.toMs,
    alarms: raised.length,
    per10Min: { average: raised.length / (coveredMs / TEN_MIN_MS), peak: Math.max(0, ...buckets.values()) },
    floodMs,
    floodShare: floodMs / coveredMs,
    floodPeriods: [...buckets.values()].filter((n) => n > floodAlarms).length,
    topTenShare: raised.length === 0 ? null : topTen.reduce((s, g) => s + g.count, 0) / raised.length,
    topTen,
    chattering,
    stale,
    ack: summarise(ackMs),
    standing,
  };
}

function summarise(values: number[]): DayMetrics['ack'] {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank percentile: the smallest value with at least 90 % of the values at or below it.
  const p90Ms = sorted[Math.ceil(0.9 * sorted.length) - 1]!;
  return { count: sorted.length, meanMs: sorted.reduce((s, v) => s + v, 0) / sorted.length, p90Ms, maxMs: sorted[sorted.length - 1]! };
}
