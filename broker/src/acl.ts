// Who may publish and subscribe what (docs/device-protocol.md, Topics): pure functions behind aedes's
// `authorizePublish` and `authorizeSubscribe` hooks.

import { deviceKey } from '../../gateway/src/contract/ids.js';
import { isDeviceTelemetry, type DeviceTopicKind, type ParsedTopic, type Topics } from '../../gateway/src/contract/topics.js';
import type { Identity } from './auth.js';

export type PublishDecision =
  /** `parsed` is null only for a gateway account publishing outside the Shaobing topic tree. */
  | { readonly ok: true; readonly parsed: ParsedTopic | null }
  | { readonly ok: false; readonly reason: string };

export type SubscribeDecision = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** What a device sends about itself; `cmd` and `order` come from the gateway, never from a device. */
const DEVICE_PUBLISHES: ReadonlySet<DeviceTopicKind | 'deadletter'> = new Set(['telemetry', 'status', 'cmd_ack']);

function who(identity: Identity): string {
  return identity.role === 'device' ? `device ${deviceKey(identity)}` : `gateway user ${identity.username}`;
}

export function canPublish(identity: Identity, topic: string, topics: Topics): PublishDecision {
  if (identity.role === 'device' && isDeviceTelemetry(topic, topics.prefix, identity.site, identity.device)) {
    return { ok: true, parsed: { kind: 'telemetry', site: identity.site, device: identity.device } };
  }
  const parsed = topics.parse(topic);
  if (identity.role === 'gateway') return { ok: true, parsed: parsed.ok ? parsed.topic : null };

  const refused = { ok: false, reason: `${who(identity)} may not publish to ${topic}` } as const;
  if (!parsed.ok) return refused;
  const t = parsed.topic;
  // Site topics (order, alarms) have no `device` field: the `'device' in t` test refuses them.
  if (!('device' in t) || !DEVICE_PUBLISHES.has(t.kind)) return refused;
  if (t.site !== identity.site || t.device !== identity.device) return refused;
  return { ok: true, parsed: t };
}

export function canSubscribe(identity: Identity, filter: string, topics: Topics): SubscribeDecision {
  if (identity.role === 'gateway') return { ok: true };

  // A wildcard would let one device read another's commands or the whole site's traffic; the
  // two topics a device needs are known exactly, so any wildcard is refused outright.
  if (filter.includes('#') || filter.includes('+')) {
    return { ok: false, reason: `${who(identity)} may not subscribe with a wildcard (${filter})` };
  }
  const refused = { ok: false, reason: `${who(identity)} may not subscribe to ${filter}` } as const;
  const parsed = topics.parse(filter);
  if (!parsed.ok) return refused;
  const t = parsed.topic;
  if (t.site !== identity.site) return refused;
  if (t.kind === 'order') return { ok: true };
  if (t.kind === 'cmd' && t.device === identity.device) return { ok: true };
  return refused;
}
