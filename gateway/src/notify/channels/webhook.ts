// Generic webhook: the alarm as JSON, signed so the receiver can tell it came from us.
// Signature: hex HMAC-SHA256(secret, `${timestamp}.${body}`), timestamp in ms in its own header
// (the Stripe / GitHub pattern; a receiver refuses old timestamps to stop replays).

import { createHmac } from 'node:crypto';
import type { Channel, Outgoing } from './channel.js';
import { httpSend } from './http.js';

export const WEBHOOK_HEADERS = {
  timestamp: 'x-shaobing-timestamp',
  signature: 'x-shaobing-signature',
  key: 'idempotency-key',
} as const;

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookOptions {
  id: string;
  url: string;
  secret: string;
  headers: Record<string, string>;
  timeoutMs: number;
  clock: () => number;
}

export function webhookChannel(o: WebhookOptions): Channel {
  return {
    id: o.id,
    type: 'webhook',
    async send(m: Outgoing) {
      const body = JSON.stringify({ key: m.key, title: m.title, text: m.text, markdown: m.markdown, link: m.link, ...m.data });
      const timestamp = String(o.clock());
      await httpSend(o.url, {
        method: 'POST',
        body,
        timeoutMs: o.timeoutMs,
        headers: {
          ...o.headers,
          'content-type': 'application/json; charset=utf-8',
          [WEBHOOK_HEADERS.timestamp]: timestamp,
          [WEBHOOK_HEADERS.signature]: webhookSignature(o.secret, timestamp, body),
          [WEBHOOK_HEADERS.key]: m.key,
        },
      });
    },
  };
}
