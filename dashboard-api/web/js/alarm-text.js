// What an alarm says to a person: its cause, its value and its peak. The API's own words
// (`alarm.text[lang]`, one text per alarm kind, each value with its own unit) come first; for an
// alarm from a gateway without them the page tells the kind from the rule id: a silence in
// seconds, never "112 ppm"; a device or gateway alarm without a gas unit. A threshold alarm's
// value follows the live readings, so the card shows what the detector reads now.

import { currentLang, locale, t } from './i18n.js';
import { formatValue, quantityName } from './format.js';
import { lastReading, state } from './store.js';

/** The API's text in the page's language, or null before the gateway provides it. */
export function apiText(alarm) {
  return alarm.text?.[currentLang()] ?? null;
}

// Rule ids of the gateway's health alarms (gateway/src/detect/health.ts HEALTH_RULES).
const HEALTH = { stale: 'stale', offline: 'offline', 'fault:range': 'faultRange', 'fault:stuck': 'faultStuck', 'fault:device': 'faultDevice' };

/** The alarm's kind: the API's, or told from the rule id and channel by a gateway without it. */
function kindOf(alarm) {
  if (typeof alarm.kind === 'string') return alarm.kind;
  if (HEALTH[alarm.ruleId]) return HEALTH[alarm.ruleId];
  if (String(alarm.channel).startsWith('_') || alarm.site === '_gateway') return 'other';
  return state.ruleKinds.get(alarm.ruleId) ?? 'unknown';
}

/** True when the alarm's value is a reading of its channel (not a rise per hour, a dose, seconds of silence…). */
function isReadingAlarm(alarm) {
  return kindOf(alarm) === 'threshold';
}

function seconds(value) {
  return t('seconds', { n: new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(value) });
}

/** A duration as the gateway says one (contract/alarm-text.ts formatDuration): 21 秒, 10 分钟, 2.5 小时. */
function duration(s) {
  if (s < 120) return t('seconds', { n: Math.round(s) });
  if (s < 7200) return t('waitedMinutes', { n: Math.round(s / 60) });
  return t('hoursN', { n: Number((s / 3600).toFixed(1)) });
}

/**
 * A silence goes on while its alarm is active: the stored value is the silence when it was raised
 * (21 s), so the page says the silence now (10 分钟), not the figure of the first minute.
 */
function withSilenceNow(alarm, text) {
  if (alarm.state !== 'active_unacked' && alarm.state !== 'active_acked') return text;
  const now = duration(alarm.value + Math.max(0, (Date.now() - alarm.raisedAtMs) / 1000));
  const was = text.value;
  return { ...text, cause: was && text.cause.includes(was) ? text.cause.replace(was, now) : text.cause, value: now, peak: null };
}

/** The alarm's words: the API's, else the page's own by kind; a silence said as it is now. */
function textOf(alarm) {
  const text = apiText(alarm) ?? fallbackText(alarm);
  return text && kindOf(alarm) === 'stale' ? withSilenceNow(alarm, text) : text;
}

/** Cause and figures of a gateway that sends no text, by kind; null for a reading alarm. */
function fallbackText(alarm) {
  const what = { quantity: quantityName(alarm.quantity), device: alarm.device, channel: alarm.channel, rule: alarm.ruleId };
  switch (kindOf(alarm)) {
    case 'stale':
      return { cause: t('causeStale', { ...what, n: seconds(alarm.value) }), value: seconds(alarm.value), peak: seconds(alarm.peakValue) };
    case 'offline':
      return { cause: t('causeOffline', what), value: null, peak: null };
    case 'faultRange':
      return { cause: t('causeFaultRange', what), value: null, peak: null };
    case 'faultStuck':
      return { cause: t('causeFaultStuck', what), value: null, peak: null };
    case 'faultDevice':
      return { cause: t('causeFaultDevice', { ...what, code: alarm.value }), value: null, peak: null };
    case 'other':
      return { cause: t('causeOther', what), value: null, peak: null };
    default:
      return null;
  }
}

/** One line: what happened, where. */
export function alarmCause(alarm) {
  const text = textOf(alarm);
  if (text?.cause) return text.cause;
  return `${quantityName(alarm.quantity)} (${alarm.device}/${alarm.channel})`;
}

/** The last reading of the alarm's channel the stream brought (so newer than the page's snapshot), for a reading alarm. */
export function liveValue(alarm) {
  if (!isReadingAlarm(alarm)) return null;
  return lastReading(alarm.site, alarm.device, alarm.channel);
}

/**
 * The worst of the stored peak and the readings seen live. The gateway records the peak value when
 * the alarm reaches its worst level, so readings that climb within that level (orange at 26, then
 * 28 %LEL) would show a current value above its peak; the rule's direction says which is worse.
 */
function livePeak(alarm, reading) {
  const direction = state.ruleDirections.get(`${alarm.site}/${alarm.ruleId}`);
  if (direction !== 'above' && direction !== 'below') return null;
  const worse = direction === 'below' ? Math.min : Math.max;
  const worst = worse(state.livePeaks.get(alarm.id) ?? alarm.peakValue, alarm.peakValue, reading);
  if (state.livePeaks.size >= 10_000) state.livePeaks.clear(); // a duty screen left open for weeks
  state.livePeaks.set(alarm.id, worst);
  return worst;
}

/** { value, peak, live }: display strings (value/peak may be '' when the kind has none). */
export function alarmFigures(alarm) {
  const text = textOf(alarm);
  const live = liveValue(alarm);
  let value;
  let peak;
  if (text) {
    value = text.value ?? '';
    peak = text.peak ?? '';
  } else {
    value = formatValue(alarm.value, alarm.quantity);
    peak = formatValue(alarm.peakValue, alarm.quantity);
  }
  if (live) {
    value = formatValue(live.value, alarm.quantity);
    const worst = livePeak(alarm, live.value);
    if (worst !== null) peak = formatValue(worst, alarm.quantity);
  }
  return { value, peak, live: live !== null };
}

/** "value · 峰值 peak" for a card; the peak only when it differs from the value shown. */
export function alarmValueLine(alarm) {
  const { value, peak } = alarmFigures(alarm);
  if (!value && !peak) return '';
  if (!peak || peak === value) return value;
  return value ? `${value} · ${t('peak')} ${peak}` : `${t('peak')} ${peak}`;
}
