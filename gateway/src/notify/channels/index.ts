// Builds the configured channels by id.

import type { ChannelConfig } from '../../config/notify-schema.js';
import type { Channel } from './channel.js';
import { dingtalkChannel } from './dingtalk.js';
import { emailChannel } from './email.js';
import { smsChannel } from './sms.js';
import { webhookChannel } from './webhook.js';
import { wecomChannel } from './wecom.js';

export function buildChannel(id: string, c: ChannelConfig, clock: () => number): Channel {
  switch (c.type) {
    case 'webhook':
      return webhookChannel({ id, url: c.url, secret: c.secret, headers: c.headers, timeoutMs: c.timeoutMs, clock });
    case 'dingtalk':
      return dingtalkChannel({ id, url: c.url, secret: c.secret, atLevels: c.atLevels, timeoutMs: c.timeoutMs, clock });
    case 'wecom':
      return wecomChannel({ id, url: c.url, timeoutMs: c.timeoutMs });
    case 'email':
      return emailChannel({ id, host: c.host, port: c.port, secure: c.secure, requireTls: c.requireTls, user: c.user, password: c.password, from: c.from, timeoutMs: c.timeoutMs });
    case 'sms':
      return smsChannel({ id, url: c.url, method: c.method, headers: c.headers, body: c.body, contentType: c.contentType, okField: c.okField, okValue: c.okValue, maxChars: c.maxChars, timeoutMs: c.timeoutMs });
  }
}

export function buildChannels(configs: Record<string, ChannelConfig>, clock: () => number): Map<string, Channel> {
  return new Map(Object.entries(configs).map(([id, c]) => [id, buildChannel(id, c, clock)]));
}
