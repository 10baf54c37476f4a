// DingTalk custom robot (自定义机器人): a markdown message to a group. With 加签 the URL carries
// `timestamp` (ms) and `sign` = urlencode(base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`))),
// the algorithm DingTalk publishes; the robot refuses a timestamp more than an hour off.

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
  timeoutMs: number;
  clock: () => number;
}

export function dingtalkChannel(o: DingtalkOptions): Channel {
  return {
    id: o.id,
    type: 'dingtalk',
    async send(m: Outgoing) {
      // The key goes in the text too: DingTalk has no idempotency field, a reader can see repeats.
      const body = JSON.stringify({
        msgtype: 'markdown',
        markdown: { title: m.title, text: `${m.markdown}\n\n> ${m.key}` },
        at: { isAtAll: false },
      });
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
