// WeCom (企业微信) group robot: a markdown message. Its markdown content may hold at most 4096
// bytes of UTF-8 (WeCom group-robot API), so longer text is cut at a character boundary.

import type { Channel, Outgoing } from './channel.js';
import { checkErrcode, httpSend } from './http.js';

export const WECOM_MAX_BYTES = 4096;

export function fitBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes - 3) break;
    out += ch;
    bytes += n;
  }
  return `${out}…`;
}

export interface WecomOptions {
  id: string;
  url: string;
  timeoutMs: number;
}

export function wecomChannel(o: WecomOptions): Channel {
  return {
    id: o.id,
    type: 'wecom',
    async send(m: Outgoing) {
      const content = fitBytes(`${m.markdown}\n> ${m.key}`, WECOM_MAX_BYTES);
      const answer = await httpSend(o.url, {
        method: 'POST',
        body: JSON.stringify({ msgtype: 'markdown', markdown: { content } }),
        timeoutMs: o.timeoutMs,
        headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': m.key },
      });
      checkErrcode(answer, 'WeCom');
    },
  };
}
