// What each exported table says, column by column, with the Chinese headers of the safety
// bureau's reports: alarms in the words the page and the notifications use (contract/alarm-text.ts),
// times as the site's wall clock (`2026-12-07 22:15:03`). Pure: rows in, cells out.

import { alarmText } from '../../../gateway/src/contract/alarm-text.js';
import { formatReading } from '../../../gateway/src/contract/alarm-text.js';
import { alarmKindOfRule, isAlarmKind } from '../../../gateway/src/contract/alarm-kind.js';
import { LEVEL_ZH, type Level } from '../../../gateway/src/contract/levels.js';
import { QUANTITY_INFO, type Quantity } from '../../../gateway/src/config/quantities.js';
import { clockOf } from './local-clock.js';
import type { Cell } from './csv.js';

export const EXPORT_TABLES = ['alarms', 'orders', 'devices'] as const;
export type ExportTable = (typeof EXPORT_TABLES)[number];

/** The zone of a site's times: its own (config `timezone`), else the config's default. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** What a row needs to know about its site. */
export interface SiteLabel {
  readonly name: string;
  readonly timeZone: string;
}
export type SiteLookup = (site: string) => SiteLabel;

/** The file's title word: `告警记录_2026-12-01_2026-12-07.csv`. */
export const TABLE_TITLE: Record<ExportTable, string> = { alarms: '告警记录', orders: '停产停工指令', devices: '设备清单' };

// The page's words for the alarm states (dashboard-api/web/js/i18n.js stateActiveUnacked …).
const ALARM_STATE_ZH: Record<string, string> = {
  active_unacked: '未确认',
  active_acked: '已确认',
  cleared_unacked: '已恢复·未确认',
  cleared: '已恢复·待整改销号',
  closed: '已销号',
};

const ORDER_STATE_ZH: Record<string, string> = { active: '生效中', lifted: '已解除' };
const DEVICE_KIND_ZH: Record<string, string> = { detector: '探测器', valve: '切断阀', fan: '排风机' };
const DEVICE_STATUS_ZH: Record<string, string> = { online: '在线', offline: '离线' };

type Row = Record<string, unknown>;

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const time = (v: unknown, tz: string): string | null => (typeof v === 'number' && Number.isFinite(v) ? clockOf(tz)(v) : null);
const levelZh = (v: unknown): string | null => (typeof v === 'string' ? (LEVEL_ZH[v as Level] ?? v) : null);

export function quantityZh(q: string): string {
  return q in QUANTITY_INFO ? QUANTITY_INFO[q as Quantity].zh : q;
}

export const ALARM_HEADERS = [
  '告警编号', '场所编号', '场所', '设备', '通道', '监测量', '告警类型', '告警内容', '级别', '最高级别', '数值', '峰值',
  '状态', '发生时间', '解除时间', '确认人', '确认时间', '销号人', '销号时间', '整改说明',
] as const;

/** One alarm row of the `alarm` table (snake_case columns) as the report's cells. */
export function alarmCells(r: Row, site: SiteLabel): Cell[] {
  const ruleId = String(r.rule_id ?? '');
  const kind = typeof r.kind === 'string' && isAlarmKind(r.kind) ? r.kind : alarmKindOfRule(ruleId);
  const facts = { kind, device: String(r.device), channel: String(r.channel), quantity: String(r.quantity), value: Number(r.value), peakValue: Number(r.peak_value) };
  const said = alarmText(facts, 'zh');
  const tz = site.timeZone;
  return [
    String(r.id), String(r.site), site.name, facts.device, facts.channel, quantityZh(facts.quantity), said.subject, said.cause,
    levelZh(r.level), levelZh(r.peak_level), said.value, said.peak, ALARM_STATE_ZH[String(r.state)] ?? String(r.state),
    time(r.raised_at_ms, tz), time(r.cleared_at_ms, tz), text(r.acked_by), time(r.acked_at_ms, tz), text(r.closed_by), time(r.closed_at_ms, tz), text(r.close_note),
  ];
}

export const ORDER_HEADERS = [
  '指令编号', '场所编号', '场所', '状态', '原因', '关联告警', '下达时间', '关阀确认时间', '整改人', '整改时间', '整改说明',
  '复查人', '复查时间', '复查说明', '气体检测', '解除人', '解除时间', '解除说明',
] as const;

/** The manual gas test recorded before a lift: `李工 便携式四合一 0 %LEL 2026-12-07 22:40:00`. */
function gasTest(r: Row, tz: string): string | null {
  if (text(r.gas_test_by) === null) return null;
  const reading = num(r.gas_test_reading);
  return [text(r.gas_test_by), text(r.gas_test_instrument), reading === null ? null : `${reading} ${text(r.gas_test_unit) ?? ''}`.trim(), time(r.gas_test_at_ms, tz)]
    .filter((s) => s !== null)
    .join(' ');
}

/** One stop-work order (停产停工令) row; columns added by later migrations may be absent. */
export function orderCells(r: Row, site: SiteLabel): Cell[] {
  const tz = site.timeZone;
  return [
    String(r.id), String(r.site), site.name, ORDER_STATE_ZH[String(r.state)] ?? String(r.state), text(r.reason), text(r.alarm_id),
    time(r.issued_at_ms, tz), time(r.confirmed_at_ms, tz), text(r.rectified_by), time(r.rectified_at_ms, tz), text(r.rectification_note),
    text(r.inspected_by), time(r.inspected_at_ms, tz), text(r.inspection_note), gasTest(r, tz), text(r.lifted_by), time(r.lifted_at_ms, tz), text(r.lift_note),
  ];
}

export const DEVICE_HEADERS = ['场所编号', '场所', '设备', '设备类型', '通道', '监测量', '最新读数', '读数时间', '最后上报时间', '电量(%)', '在线状态', '状态时间'] as const;

/** A configured device's channel with what the gateway last knew of it (null where nothing). */
export interface DeviceChannelRow {
  readonly site: string;
  readonly device: string;
  readonly kind: string;
  /** Null for a device without channels (a valve or fan that reports none). */
  readonly channel: string | null;
  readonly quantity: string | null;
  readonly value: number | null;
  readonly valueAtMs: number | null;
  readonly heardAtMs: number | null;
  readonly battery: number | null;
  readonly status: string | null;
  readonly statusAtMs: number | null;
}

export function deviceCells(d: DeviceChannelRow, site: SiteLabel): Cell[] {
  const tz = site.timeZone;
  return [
    d.site, site.name, d.device, DEVICE_KIND_ZH[d.kind] ?? d.kind, d.channel, d.quantity === null ? null : quantityZh(d.quantity),
    d.value === null || d.quantity === null ? null : formatReading(d.value, d.quantity), time(d.valueAtMs, tz), time(d.heardAtMs, tz),
    d.battery, d.status === null ? null : (DEVICE_STATUS_ZH[d.status] ?? d.status), time(d.statusAtMs, tz),
  ];
}

export const HEADERS: Record<ExportTable, readonly string[]> = { alarms: ALARM_HEADERS, orders: ORDER_HEADERS, devices: DEVICE_HEADERS };
