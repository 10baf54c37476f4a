// E-mail through an SMTP server (nodemailer). The idempotency key becomes the Message-ID, which
// mail stores and clients use to drop a duplicate of a message they already hold.

import nodemailer from 'nodemailer';
import { createHash } from 'node:crypto';
import type { Channel, Outgoing } from './channel.js';
import { DeliveryError } from './channel.js';

export interface EmailOptions {
  id: string;
  host: string;
  port: number;
  secure: boolean;
  requireTls: boolean;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  timeoutMs: number;
}

export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@shaobing>`;
}

export function emailChannel(o: EmailOptions): Channel {
  const transport = nodemailer.createTransport({
    host: o.host,
    port: o.port,
    secure: o.secure,
    requireTLS: o.requireTls && !o.secure,
    ignoreTLS: !o.requireTls && !o.secure,
    ...(o.user ? { auth: { user: o.user, pass: o.password ?? '' } } : {}),
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
  });
  return {
    id: o.id,
    type: 'email',
    async send(m: Outgoing) {
      if (!m.to) throw new DeliveryError('an e-mail notification needs an address', false);
      try {
        await transport.sendMail({
          from: o.from,
          to: m.to,
          subject: m.title,
          text: m.text,
          html: m.html,
          messageId: messageIdFor(m.key),
          headers: { 'X-Shaobing-Key': m.key },
        });
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        // SMTP 5xx is permanent (RFC 5321 §4.2.1), 4xx and network errors are transient.
        const retryable = code === undefined || code < 500;
        throw new DeliveryError(`SMTP ${o.host}:${o.port}: ${(err as Error).message}`, retryable, { cause: err });
      }
    },
    close() {
      transport.close();
    },
  };
}
