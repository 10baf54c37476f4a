// Site, device and channel identifiers: one pattern for all, checked where text becomes an id.
// Ids land in MQTT topics, SQLite keys and InfluxDB tags, so no wildcard, separator or unicode.

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Names that would touch Object.prototype if used as plain-object keys. */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

export type SiteId = string & { readonly __brand: 'SiteId' };
export type DeviceId = string & { readonly __brand: 'DeviceId' };
export type ChannelId = string & { readonly __brand: 'ChannelId' };

export function isId(text: string): boolean {
  return ID_PATTERN.test(text) && !RESERVED.has(text);
}

/** The device id of a site's consolidated flood alarm (alarms/flood.ts): no configured device may take it. */
export const SITE_DEVICE = '_site';

/** Why a string is not an id, or null when it is one. */
export function idProblem(text: string): string | null {
  if (text.length === 0) return 'empty';
  if (text.length > 64) return 'longer than 64 characters';
  if (RESERVED.has(text)) return 'reserved name';
  if (!ID_PATTERN.test(text)) return 'only A-Z a-z 0-9 _ - allowed';
  return null;
}

/** A device is known by its site and its id: device ids repeat across sites. */
export interface DeviceRef {
  readonly site: SiteId;
  readonly device: DeviceId;
}

export function deviceKey(ref: DeviceRef): string {
  return `${ref.site}/${ref.device}`;
}
