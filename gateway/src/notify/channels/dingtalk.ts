// DingTalk custom robot (自定义机器人): a markdown message to a group. With 加签 the URL carries
// `timestamp` (ms) and `sign` = urlencode(base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`))),
// the algorithm DingTalk publishes; the robot refuses a timestamp more than an hour off.
// At the configured levels the recipient's mobile is @-mentioned (`at.atMobiles`), which makes
// DingTalk alert that person even in a muted group.

import { createHmac } from 'node:crypto';
import type { Channel, Outgoing } from './channel.js';
import { checkErrcode, httpSend } from './http.js';

export function dingtalkSign(secret: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export function dingtalkSignedUrl(url: string, secret: string | undefined, timestampMs: number): string {
  if (!secret) return url;
  const timestamp = String(timestampMs);
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}timestamp=${timestamp}&sign=${encodeURIComponent(dingtalkSign(secret, timestamp))}`;
}

export interface DingtalkOptions {
  id: string;
  url: string;
  secret?: string | undefined;
  /** Levels at which the recipient (the contact's mobile, `to`) is @-mentioned. */
  atLevels?: readonly string[];
  timeoutMs: number;
  clock: () => number;
}

/** Alarm steps that call for someone: not the all-clear, not the daily briefing, not an
 * interlock that confirmed. */
const CALLING = new Set(['raised', 'escalated', 'escalation', 'reminder', 'order_issued', 'order_unconfirmed']);

/** The mobiles to @-mention: the recipient's, when the step calls for them at one of `atLevels`. */
export function dingtalkMentions(m: Pick<Outgoing, 'to' | 'data'>, atLevels: readonly string[]): string[] {
  // The step is `notice`; rows queued before alarms carried their kind have it in `kind`.
  const { level } = m.data;
  const step = m.data.notice ?? m.data.kind;
  if (!m.to || typeof level !== 'string' || !atLevels.includes(level) || typeof step !== 'string' || !CALLING.has(step)) return [];
  return [m.to];
}

/** The robot's markdown message. DingTalk's custom-robot API: `at: { atMobiles, isAtAll }`, and in
 * a markdown message the mention shows (and alerts) only where the text holds `@<mobile>`. */
export function dingtalkBody(m: Outgoing, atLevels: readonly string[]): string {
  const mobiles = dingtalkMentions(m, atLevels);
  const mention = mobiles.length > 0 ? `\n\n${mobiles.map((x) => `@${x}`).join(' ')}` : '';
  // The key goes in the text too: DingTalk has no idempotency field, a reader can see repeats.
  // So do the alarm's kind and rule, which a robot message has no field for either.
  const { kind, ruleId } = m.data;
  // (Rows queued before alarms carried their kind have the step in `kind` and no `notice`.)
  const tags = 'notice' in m.data ? [kind, ruleId].filter((x): x is string => typeof x === 'string' && x !== '') : [];
  return JSON.stringify({
    msgtype: 'markdown',
    markdown: { title: m.title, text: `${m.markdown}${mention}\n\n> ${[...tags, m.key].join(' · ')}` },
    at: { atMobiles: mobiles, isAtAll: false },
  });
}

export function dingtalkChannel(o: DingtalkOptions): Channel {
  return {
    id: o.id,
    type: 'dingtalk',
    async send(m: Outgoing) {
      const body = dingtalkBody(m, o.atLevels ?? ['red']);
      const answer = await httpSend(dingtalkSignedUrl(o.url, o.secret, o.clock()), {
        method: 'POST',
        body,
        timeoutMs: o.timeoutMs,
        headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': m.key },
      });
      checkErrcode(answer, 'DingTalk');
    },
  };
}
