// Which alarm steps notify whom (the duty officer hears of yellow and up). Pure but for the
// injected lookups: an alarm step and the roster in, outbox rows out. Runs inside the alarm's
// save transaction, through the notifier's AlarmRepository.onSave hook.
//
//   raised, escalated (level rose) → the first tier of the level's chain that has someone on duty
//   escalation (climb), reminder   → the tier named on the event (escalation.ts records them), or
//                                    the next staffed one above it
//   cleared                        → everyone who heard of the alarm (when notify.notifyCleared)
//   anything else (ack, close, …)  → nobody

import { SYSTEM_SITE } from '../contract/alarm-kind.js';
import { alarmText } from '../contract/alarm-text.js';
import type { Alarm, AlarmEvent } from '../alarms/lifecycle.js';
import type { NotifyConfig, Tier } from '../config/notify-schema.js';
import { renderMessage, type NoticeKind } from './message.js';
import { notificationKey, type NewNotification } from './outbox.js';
import { recipientsOn, tierChain, type InRegions, type Recipient } from './roster.js';
import type { StopWorkNotice } from './suppression.js';

export interface SiteInfo {
  name: string;
  timeZone: string;
  /** The site's own contact (registry site.contact / site.contactPhone): the owner, the warden. */
  contact?: string | undefined;
  contactPhone?: string | undefined;
}

/** What a message needs of a site (config or registry SiteConfig). */
export function siteInfo(s: { name: string; timezone: string; contact?: string | undefined; contactPhone?: string | undefined }): SiteInfo {
  return { name: s.name, timeZone: s.timezone, contact: s.contact, contactPhone: s.contactPhone };
}

export interface PlanContext {
  notify: NotifyConfig;
  site: (id: string) => SiteInfo | undefined;
  /** Shelved, out of service, folded into a flood: send nothing. Flood consolidation must answer
   * false for red (the alarm service's rule); this planner follows the predicate as given. */
  suppress?: ((alarm: Alarm) => boolean) | undefined;
  /** Who heard of the alarm before (for its all-clear). */
  audienceOf: (alarmId: string) => { recipient: string; channel: string; address: string | null }[];
  /** The stop-work order the saved move issues (suppression.ts AlarmSurroundings.stopWork). */
  stopWork?: StopWorkNotice | undefined;
  /** The registry's region tree, for shifts limited to regions (roster.ts); absent: none covers. */
  inRegions?: InRegions | undefined;
}

const TIER_NOTE = /^tier:(duty|leader|onCall)\b/;

/** The note an escalation or reminder event carries, naming its tier (read back by tierOf). */
export function tierNote(tier: Tier, text: string): string {
  return `tier:${tier} ${text}`;
}

export function tierOf(event: Pick<AlarmEvent, 'note'>): Tier | undefined {
  const m = event.note ? TIER_NOTE.exec(event.note) : null;
  return m ? (m[1] as Tier) : undefined;
}

/** The first tier of the level's chain, from `from` up, with someone on duty: an empty slot
 * (nobody on the duty tier at night) must not swallow an alarm or its escalation. */
export function firstStaffedTier(ctx: PlanContext, alarm: Alarm, atMs: number, from?: Tier): { tier: Tier; recipients: Recipient[] } | undefined {
  const chain = tierChain(ctx.notify.roster, alarm.level);
  const start = from === undefined ? 0 : chain.indexOf(from);
  // A tier outside the chain (the config changed since the step was recorded) is asked alone.
  const tiers = start < 0 ? [from!] : chain.slice(start);
  for (const tier of tiers) {
    const recipients = recipientsOn(ctx.notify.roster, alarm.site, atMs, tier, ctx.inRegions);
    if (recipients.length > 0) return { tier, recipients };
  }
  return undefined;
}

function audience(alarm: Alarm, event: AlarmEvent, ctx: PlanContext): { kind: NoticeKind; tier?: Tier; recipients: Recipient[] } | undefined {
  const roster = ctx.notify.roster;
  switch (event.kind) {
    case 'raised':
    case 'escalated': {
      if (ctx.suppress?.(alarm)) return undefined;
      const first = firstStaffedTier(ctx, alarm, event.atMs);
      return first ? { kind: event.kind, tier: first.tier, recipients: first.recipients } : undefined;
    }
    case 'escalation':
    case 'reminder': {
      if (ctx.suppress?.(alarm)) return undefined;
      const tier = tierOf(event);
      const staffed = tier ? firstStaffedTier(ctx, alarm, event.atMs, tier) : undefined;
      return staffed ? { kind: event.kind, tier: staffed.tier, recipients: staffed.recipients } : undefined;
    }
    case 'cleared': {
      if (!ctx.notify.notifyCleared) return undefined;
      const recipients = ctx.audienceOf(alarm.id).map((a) => ({ person: a.recipient, name: roster.people[a.recipient]?.name ?? a.recipient, channel: a.channel, to: a.address }));
      return { kind: 'cleared', recipients };
    }
    default:
      return undefined;
  }
}

export function planNotifications(alarm: Alarm, event: AlarmEvent, eventId: number, ctx: PlanContext): NewNotification[] {
  const who = audience(alarm, event, ctx);
  if (!who || who.recipients.length === 0) return [];
  return rowsFor(alarm, event, eventId, ctx, who);
}

/** The recipient id a site's own contact is recorded under in the outbox. */
export const siteContactId = (site: string): string => `site:${site}`;

/**
 * The site's own contact, texted on `channel` when the alarm is raised or rises to a level of
 * notify.siteContacts.levels: the person who can act at the site. Read from the site as the
 * registry holds it now; never on an escalation or reminder (those climb the officers' ladder).
 * Recorded in the outbox like any recipient, so the all-clear and the stop-work order's notices
 * reach them too.
 */
export function planSiteContact(alarm: Alarm, event: AlarmEvent, eventId: number, ctx: PlanContext, channel: string): NewNotification[] {
  if (event.kind !== 'raised' && event.kind !== 'escalated') return [];
  if (!ctx.notify.siteContacts.levels.includes(alarm.level) || ctx.suppress?.(alarm)) return [];
  const site = ctx.site(alarm.site);
  if (!site?.contactPhone) return [];
  const recipient: Recipient = { person: siteContactId(alarm.site), name: site.contact ?? site.name, channel, to: site.contactPhone };
  return rowsFor(alarm, event, eventId, ctx, { kind: event.kind, recipients: [recipient] });
}

function rowsFor(alarm: Alarm, event: AlarmEvent, eventId: number, ctx: PlanContext, who: { kind: NoticeKind; tier?: Tier; recipients: Recipient[] }): NewNotification[] {
  const site = ctx.site(alarm.site) ?? { name: alarm.site === SYSTEM_SITE ? '哨兵网关' : alarm.site, timeZone: ctx.notify.roster.timezone };
  // The red raise (or rise to red) that stops work says so itself, with the actuators commanded;
  // the order's own notices then tell the interlock's outcome.
  const stopWork = ctx.stopWork && alarm.level === 'red' && (who.kind === 'raised' || who.kind === 'escalated') ? ctx.stopWork : undefined;
  const message = renderMessage({
    ...(stopWork ? { stopWork } : {}),
    kind: who.kind,
    alarm: { ...alarm, value: event.value ?? alarm.value },
    fromLevel: event.kind === 'escalated' ? event.fromLevel : null,
    ...(who.kind === 'escalation' || who.kind === 'reminder' ? { tier: who.tier! } : {}),
    atMs: event.atMs,
    siteName: site.name,
    timeZone: site.timeZone,
    publicUrl: ctx.notify.publicUrl,
    language: ctx.notify.language,
  });
  const said = alarmText(alarm, ctx.notify.language);
  // `kind` is what the alarm is (contract/alarm-kind.ts) and `notice` the step told of, so a
  // receiving system can tell a silent detector from a gas reading without parsing the text.
  const data = {
    notice: who.kind,
    kind: alarm.kind,
    ruleId: alarm.ruleId,
    cause: said.cause,
    valueText: said.value,
    eventId,
    alarmId: alarm.id,
    site: alarm.site,
    siteName: site.name,
    device: alarm.device,
    channel: alarm.channel,
    quantity: alarm.quantity,
    level: alarm.level,
    value: event.value ?? alarm.value,
    atMs: event.atMs,
    tier: who.tier ?? null,
    stopWork: stopWork ? { alreadyInForce: stopWork.alreadyInForce, interlock: stopWork.actuators.map((a) => ({ device: a.device, action: a.action, state: 'commanded' as const })) } : null,
  };
  return who.recipients
    .filter((r) => r.channel in ctx.notify.channels)
    .map((r) => ({
      key: notificationKey(eventId, r.person, r.channel),
      alarmId: alarm.id,
      eventId,
      kind: who.kind,
      level: alarm.level,
      recipient: r.person,
      channel: r.channel,
      address: r.to,
      title: message.title,
      body: { text: message.text, markdown: message.markdown, html: message.html, link: message.link, data: { ...data, recipient: r.person } },
      atMs: event.atMs,
    }));
}

