// The one interface every notification channel implements, and the error a failed send throws.

import { ShaobingError } from '../../errors.js';

/** One notification as the outbox hands it to a channel. */
export interface Outgoing {
  /** Idempotency key `${eventId}:${recipient}:${channel}`: a deduplicating receiver shows it once. */
  key: string;
  /** Address on the channel (mail, mobile), null for robots and webhooks. */
  to: string | null;
  title: string;
  text: string;
  markdown: string;
  html: string;
  link: string;
  /** Structured facts for machine receivers (the generic webhook). */
  data: Record<string, unknown>;
}

export interface Channel {
  readonly id: string;
  readonly type: 'webhook' | 'dingtalk' | 'wecom' | 'email' | 'sms';
  send(message: Outgoing): Promise<void>;
  close?(): void;
}

/** A send that did not arrive. `retryable` false: retrying cannot help (bad address, bad config). */
export class DeliveryError extends ShaobingError {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super('DELIVERY_FAILED', message, options);
  }
}
