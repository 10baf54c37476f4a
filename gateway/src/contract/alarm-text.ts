// What an alarm says, in Chinese and English: one pure render function per alarm kind, used by
// every notification channel, the daily briefing and the API, so a silent detector is told as
// silence (数据中断, seconds) everywhere and never as a gas reading with a gas unit.

import { QUANTITY_INFO, type Quantity } from '../config/quantities.js';
import { alarmKindOfRule, type AlarmKind } from './alarm-kind.js';

export type Language = 'zh' | 'en';

/** The facts of an alarm a text is made of (an alarm row has them all). */
export interface AlarmTextFacts {
  readonly kind: AlarmKind;
  readonly device: string;
  readonly channel: string;
  readonly quantity: string;
  readonly value: number;
  readonly peakValue: number;
  /** A rate alarm's rule window (s) and its speed now and at its peak (per second, negative for
   * a fall); absent or null on other kinds and on rows stored before alarms carried them. */
  readonly rateWindowS?: number | null | undefined;
  readonly ratePerS?: number | null | undefined;
  readonly peakRatePerS?: number | null | undefined;
}

export interface AlarmText {
  /** Short name of what happened, for a title: `甲烷报警`, `数据中断`, `阀门未确认关闭`. */
  subject: string;
  /** The one line that says what happened: `数据中断：甲烷探测器 gas-01 已 112 秒未上报`. */
  cause: string;
  /** The value that means something for this kind, with its own unit; null where no number does. */
  value: string | null;
  /** The worst value of the episode, where the kind has one; else null. */
  peak: string | null;
}

/** What the API returns beside each alarm: the same text in both languages. */
export type AlarmTexts = Record<Language, Omit<AlarmText, 'subject'>>;

const QUANTITY_EN: Record<Quantity, string> = {
  methane_lel: 'methane',
  lpg_lel: 'LPG',
  co_ppm: 'carbon monoxide',
  h2s_ppm: 'hydrogen sulphide',
  o2_pct: 'oxygen',
  water_level_m: 'water level',
  temperature_c: 'temperature',
};

function quantityOf(q: string): Quantity | undefined {
  return q in QUANTITY_INFO ? (q as Quantity) : undefined;
}

function quantityName(q: string, lang: Language): string {
  const known = quantityOf(q);
  if (!known) return q;
  return lang === 'zh' ? QUANTITY_INFO[known].zh : QUANTITY_EN[known];
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The kind of instrument that measures a quantity: a gas detector, a gauge, a sensor. */
function instrument(q: string, lang: Language, withQuantity: boolean): string {
  const known = quantityOf(q);
  if (known === 'water_level_m') return lang === 'zh' ? '水位计' : 'water-level gauge';
  if (known === 'temperature_c') return lang === 'zh' ? '温度传感器' : 'temperature sensor';
  if (known === undefined) return lang === 'zh' ? '设备' : 'device';
  if (!withQuantity) return lang === 'zh' ? '探测器' : 'detector';
  return lang === 'zh' ? `${QUANTITY_INFO[known].zh}探测器` : `${QUANTITY_EN[known]} detector`;
}

/** `甲烷探测器 gas-01`; a device-level alarm (channel `_device`) of an unknown quantity: `设备 gas-01`. */
function who(a: AlarmTextFacts, lang: Language, withQuantity = true): string {
  return `${instrument(a.quantity, lang, withQuantity)} ${a.device}`;
}

/** Two decimals at most, no trailing zeros: 62, 62.5, 0.13. */
export function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toFixed(2))) : String(value);
}

/** A reading with its quantity's unit: `64 %LEL`, `124.3 m`. */
export function formatReading(value: number, quantity: string): string {
  const known = quantityOf(quantity);
  const unit = known ? QUANTITY_INFO[known].unit : '';
  return unit ? `${formatNumber(value)} ${unit}` : formatNumber(value);
}

/** Seconds of silence as a person says them: 112 秒, 5 分钟, 2.5 小时. */
export function formatDuration(seconds: number, lang: Language): string {
  const s = Math.max(0, seconds);
  if (s < 120) return lang === 'zh' ? `${Math.round(s)} 秒` : `${Math.round(s)} s`;
  if (s < 7200) return lang === 'zh' ? `${Math.round(s / 60)} 分钟` : `${Math.round(s / 60)} min`;
  const h = formatNumber(Number((s / 3600).toFixed(1)));
  return lang === 'zh' ? `${h} 小时` : `${h} h`;
}

/** `3 条读数`, `3 readings`, `1 reading`. */
function count(n: number, zh: string, en: string, lang: Language, enPlural = `${en}s`): string {
  return lang === 'zh' ? `${formatNumber(n)} ${zh}` : `${formatNumber(n)} ${n === 1 ? en : enPlural}`;
}

type Render = (a: AlarmTextFacts, lang: Language) => AlarmText;

const threshold: Render = (a, lang) => {
  const q = quantityName(a.quantity, lang);
  const subject = lang === 'zh' ? `${q}报警` : `${capital(q)} alarm`;
  return { subject, cause: `${subject}${lang === 'zh' ? '：' : ': '}${who(a, lang, false)}`, value: formatReading(a.value, a.quantity), peak: formatReading(a.peakValue, a.quantity) };
};

function signOf(n: number): string {
  return n > 0 ? '+' : n < 0 ? '−' : '';
}

/** A change within the rate rule's window, signed, in the quantity's unit, for an alarm stored
 * before alarms carried their window and speed: `+0.35 m（规则窗口内）`. */
export function formatChange(change: number, quantity: string, lang: Language): string {
  const amount = `${signOf(change)}${formatReading(Math.abs(change), quantity)}`;
  return lang === 'zh' ? `${amount}（规则窗口内）` : `${amount} within the rule's window`;
}

/** The time a quantity's speed reads naturally in: a reservoir rises by the hour (m/h), a gas
 * or a temperature by the minute (%LEL/min, ppm/min, °C/min). */
const RATE_PER: Record<Quantity, { seconds: number; suffix: string }> = {
  methane_lel: { seconds: 60, suffix: '/min' },
  lpg_lel: { seconds: 60, suffix: '/min' },
  co_ppm: { seconds: 60, suffix: '/min' },
  h2s_ppm: { seconds: 60, suffix: '/min' },
  o2_pct: { seconds: 60, suffix: '/min' },
  water_level_m: { seconds: 3600, suffix: '/h' },
  temperature_c: { seconds: 60, suffix: '/min' },
};

/** A speed, signed, in the unit a person reads for the quantity: `+1.05 m/h`, `+36 %LEL/min`.
 * Three significant digits: a slow rise (0.0042 m/h) must not read as 0. */
export function formatRate(perS: number, quantity: string): string {
  const known = quantityOf(quantity);
  const per = known ? RATE_PER[known] : { seconds: 60, suffix: '/min' };
  const unit = known ? QUANTITY_INFO[known].unit : '';
  const amount = Math.abs(perS * per.seconds);
  const n = Number.isFinite(amount) ? String(Number(amount.toPrecision(3))) : String(amount);
  return `${signOf(perS)}${n} ${unit}${per.suffix}`;
}

/** `+1.05 m/h（60 分钟内上升 0.35 m）`: the speed, then the change within the rule's window that
 * the set points compare, so the officer reads both how fast and how far. */
function rateValue(perS: number | null | undefined, change: number, windowS: number | null | undefined, rising: boolean, quantity: string, lang: Language): string {
  if (perS === null || perS === undefined || windowS === null || windowS === undefined) return formatChange(change, quantity, lang);
  const amount = formatReading(Math.abs(change), quantity);
  const window = formatDuration(windowS, lang);
  return lang === 'zh' ? `${formatRate(perS, quantity)}（${window}内${rising ? '上升' : '下降'} ${amount}）` : `${formatRate(perS, quantity)} (${rising ? 'up' : 'down'} ${amount} within ${window})`;
}

const rate: Render = (a, lang) => {
  const q = quantityName(a.quantity, lang);
  // The direction is the rule's, which the peak always shows (a change at least the lowest set
  // point): a falling alarm that clears at no change is still a fall.
  const rising = (a.peakValue !== 0 ? a.peakValue : a.value) >= 0;
  const subject = lang === 'zh' ? `${q}${rising ? '上升' : '下降'}过快` : `${capital(q)} ${rising ? 'rising' : 'falling'} fast`;
  return {
    subject,
    cause: `${subject}${lang === 'zh' ? '：' : ': '}${who(a, lang, false)}`,
    value: rateValue(a.ratePerS, a.value, a.rateWindowS, rising, a.quantity, lang),
    peak: rateValue(a.peakRatePerS, a.peakValue, a.rateWindowS, rising, a.quantity, lang),
  };
};

/** A dose as the share of the EN 50291-1 alarm dose: `报警剂量的 85%`. */
export function formatDose(dose: number, lang: Language): string {
  const pct = Math.round(dose * 100);
  return lang === 'zh' ? `报警剂量的 ${pct}%` : `${pct} % of the alarm dose`;
}

const dose: Render = (a, lang) => {
  const subject = lang === 'zh' ? '一氧化碳累计暴露报警' : 'Carbon monoxide exposure alarm';
  return { subject, cause: `${subject}${lang === 'zh' ? '：' : ': '}${who(a, lang, false)}`, value: formatDose(a.value, lang), peak: formatDose(a.peakValue, lang) };
};

const stale: Render = (a, lang) => {
  const silence = formatDuration(a.value, lang);
  return lang === 'zh'
    ? { subject: '数据中断', cause: `数据中断：${who(a, lang)} 已 ${silence}未上报`, value: silence, peak: null }
    : { subject: 'No data', cause: `No data: ${who(a, lang)} silent for ${silence}`, value: silence, peak: null };
};

const offline: Render = (a, lang) =>
  lang === 'zh' ? { subject: '设备离线', cause: `设备离线：${who(a, lang)}`, value: null, peak: null } : { subject: 'Device offline', cause: `Device offline: ${who(a, lang)}`, value: null, peak: null };

const faultRange: Render = (a, lang) =>
  lang === 'zh'
    ? { subject: '传感器故障', cause: `传感器故障：读数超出量程（${who(a, lang)}）`, value: formatReading(a.value, a.quantity), peak: null }
    : { subject: 'Sensor fault', cause: `Sensor fault: reading out of range (${who(a, lang)})`, value: formatReading(a.value, a.quantity), peak: null };

const faultStuck: Render = (a, lang) =>
  lang === 'zh'
    ? { subject: '传感器故障', cause: `传感器故障：读数长时间不变（${who(a, lang)}）`, value: formatReading(a.value, a.quantity), peak: null }
    : { subject: 'Sensor fault', cause: `Sensor fault: reading stuck (${who(a, lang)})`, value: formatReading(a.value, a.quantity), peak: null };

const faultDevice: Render = (a, lang) => {
  const value = a.value > 0 ? count(a.value, '个故障码', 'fault code', lang) : null;
  return lang === 'zh'
    ? { subject: '设备故障', cause: `设备故障：${who(a, lang)} 上报故障码`, value, peak: null }
    : { subject: 'Device fault', cause: `Device fault: ${who(a, lang)} reports fault codes`, value, peak: null };
};

/** The actuator an alarm names (its quantity column holds valve or fan). */
function actuator(a: AlarmTextFacts, lang: Language): { name: string; act: string } {
  if (a.quantity === 'fan') return lang === 'zh' ? { name: '风机', act: '启动' } : { name: 'Fan', act: 'started' };
  if (a.quantity === 'valve') return lang === 'zh' ? { name: '阀门', act: '关闭' } : { name: 'Valve', act: 'closed' };
  return lang === 'zh' ? { name: '执行器', act: '动作' } : { name: 'Actuator', act: 'in its safe state' };
}

const actuatorUnconfirmed: Render = (a, lang) => {
  const { name, act } = actuator(a, lang);
  // `value` counts the sends of the command, the first included.
  const retries = a.value - 1;
  if (lang === 'zh') {
    return { subject: `${name}未确认${act}`, cause: `${name} ${a.device} 未确认${act}${retries > 0 ? `（已重试 ${formatNumber(retries)} 次）` : ''}`, value: `已发送 ${formatNumber(a.value)} 次`, peak: null };
  }
  return { subject: `${name} not confirmed ${act}`, cause: `${name} ${a.device} has not confirmed ${act}${retries > 0 ? ` (${count(retries, '', 'retry', lang, 'retries')})` : ''}`, value: count(a.value, '', 'send', lang), peak: null };
};

const actuatorPosition: Render = (a, lang) => {
  const { name, act } = actuator(a, lang);
  return lang === 'zh'
    ? { subject: `${name}位置异常`, cause: `${name} ${a.device} 已应答，但位置反馈未${act}`, value: null, peak: null }
    : { subject: `${name} position wrong`, cause: `${name} ${a.device} acknowledged but does not read back ${act}`, value: null, peak: null };
};

const GATEWAY: Record<string, { zh: string; en: string; unitZh: string; unitEn: string; pluralEn?: string }> = {
  notify_failed: { zh: '通知发送失败', en: 'notification failed', unitZh: '次尝试', unitEn: 'attempt' },
  spool_overflow: { zh: '缓存溢出，最早的读数已丢弃', en: 'spool overflow, oldest readings dropped', unitZh: '条读数', unitEn: 'reading' },
  influx_rejected: { zh: 'InfluxDB 拒收数据点', en: 'InfluxDB rejected points', unitZh: '个数据点', unitEn: 'point' },
  disk_full: { zh: '数据盘已满，读数暂存待写入', en: 'disk full, readings held', unitZh: '条读数', unitEn: 'reading' },
  descriptors_exhausted: { zh: '文件描述符将耗尽，新设备和值班人员可能无法连接', en: 'file descriptors nearly exhausted, new devices and officers may be refused', unitZh: '个描述符已打开', unitEn: 'open descriptor' },
  tls_cert_expiring: { zh: '设备接入 TLS 证书即将过期或已过期，请更换', en: 'device TLS certificate expiring or expired, replace it', unitZh: '天后过期', unitEn: 'day left', pluralEn: 'days left' },
  api_tls_cert_expiring: { zh: '值班页面 HTTPS 证书即将过期或已过期，请更换', en: 'HTTPS certificate of the officers\' page expiring or expired, replace it', unitZh: '天后过期', unitEn: 'day left', pluralEn: 'days left' },
};

/** The gateway's own alarm: the device column names the failing part, the channel the condition. */
const gateway: Render = (a, lang) => {
  const words = GATEWAY[a.channel];
  const what = words ? words[lang] : a.channel;
  const value = words && a.value > 0 ? count(a.value, words.unitZh, words.unitEn, lang, words.pluralEn) : null;
  return lang === 'zh'
    ? { subject: `网关告警：${what}`, cause: `网关告警：${what}（${a.device}）`, value, peak: null }
    : { subject: `Gateway alarm: ${what}`, cause: `Gateway alarm: ${what} (${a.device})`, value, peak: null };
};

const flood: Render = (a, lang) =>
  lang === 'zh'
    ? { subject: '报警泛滥', cause: '报警泛滥：本场所短时间内报警过多，已合并通知', value: count(a.value, '条报警', 'alarm', lang), peak: null }
    : { subject: 'Alarm flood', cause: 'Alarm flood: too many alarms at this site at once, notified as one', value: count(a.value, '', 'alarm', lang), peak: null };

/** One render function per kind: a new kind does not compile until it is said here. */
const RENDER: Record<AlarmKind, Render> = {
  threshold,
  rate,
  dose,
  stale,
  offline,
  fault_range: faultRange,
  fault_stuck: faultStuck,
  fault_device: faultDevice,
  actuator_unconfirmed: actuatorUnconfirmed,
  actuator_position: actuatorPosition,
  gateway,
  flood,
};

export function alarmText(a: AlarmTextFacts, lang: Language): AlarmText {
  return RENDER[a.kind](a, lang);
}

/** Both languages, without the title subject: the API's `text` field. */
export function alarmTexts(a: AlarmTextFacts): AlarmTexts {
  const { subject: _zh, ...zh } = alarmText(a, 'zh');
  const { subject: _en, ...en } = alarmText(a, 'en');
  return { zh, en };
}

/** Facts from something that may predate kinds (an outbox row, a test): the rule id decides. */
export function withKind<T extends { ruleId?: string; kind?: AlarmKind }>(a: T): T & { kind: AlarmKind } {
  return { ...a, kind: a.kind ?? alarmKindOfRule(a.ruleId ?? '') };
}
