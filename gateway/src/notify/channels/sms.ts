// SMS through the provider's HTTP gateway, described by a template in config (every provider
// has its own API): placeholders {{to}} {{text}} {{key}} {{title}} are escaped for where they stand.

import type { Channel, Outgoing } from './channel.js';
import { DeliveryError } from './channel.js';
import { httpSend } from './http.js';

export interface SmsOptions {
  id: string;
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body: string;
  contentType: 'application/json' | 'application/x-www-form-urlencoded';
  okField?: string | undefined;
  okValue?: string | number | undefined;
  maxChars: number;
  timeoutMs: number;
}

type Escape = (value: string) => string;

const jsonEscape: Escape = (v) => JSON.stringify(v).slice(1, -1);

/** Fills `{{name}}` placeholders; an unknown name is left as it is so a typo shows in the request. */
export function fillTemplate(template: string, values: Record<string, string>, escape: Escape): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => (name in values ? escape(values[name]!) : whole));
}

/** Title, what happened (`数据中断：甲烷探测器 gas-01 已 112 秒未上报`) and the link; the cause goes
 * first when the message would be too long, the link last, so a phone can still open the alarm. */
export function smsText(m: Pick<Outgoing, 'title' | 'link' | 'data'>, maxChars: number): string {
  const fits = (t: string) => [...t].length <= maxChars;
  const cause = typeof m.data.cause === 'string' ? m.data.cause : null;
  const full = cause ? `${m.title} ${cause} ${m.link}` : null;
  if (full && fits(full)) return full;
  const text = `${m.title} ${m.link}`;
  return fits(text) ? text : `${[...text].slice(0, maxChars - 1).join('')}…`;
}

export function smsChannel(o: SmsOptions): Channel {
  return {
    id: o.id,
    type: 'sms',
    async send(m: Outgoing) {
      if (!m.to) throw new DeliveryError('an SMS notification needs a mobile number', false);
      const values = { to: m.to, text: smsText(m, o.maxChars), key: m.key, title: m.title };
      const url = fillTemplate(o.url, values, encodeURIComponent);
      const body = o.method === 'GET' ? undefined : fillTemplate(o.body, values, o.contentType === 'application/json' ? jsonEscape : encodeURIComponent);
      const answer = await httpSend(url, {
        method: o.method,
        ...(body !== undefined ? { body } : {}),
        timeoutMs: o.timeoutMs,
        headers: { ...o.headers, ...(body !== undefined ? { 'content-type': `${o.contentType}; charset=utf-8` } : {}), 'idempotency-key': m.key },
      });
      if (o.okField !== undefined) {
        const got = (answer.json as Record<string, unknown> | undefined)?.[o.okField];
        if (String(got) !== String(o.okValue)) throw new DeliveryError(`SMS gateway answered ${o.okField}=${String(got)}: ${answer.body.slice(0, 200)}`, true);
      }
    },
  };
}
