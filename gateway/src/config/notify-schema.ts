// The notification contract: channels, the duty roster (值班表), escalation delays and the
// daily briefing (值班日报). Part of the config schema (schema.ts, `notify:`); absent means no
// channels and no roster, so nothing is sent.

import { z } from 'zod';
import { LEVELS } from '../contract/levels.js';
import { id } from './rule-schema.js';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time as HH:MM, e.g. 08:00');
/** A mobile as DingTalk matches it for @: digits, optionally `+86-` style country code. */
const MOBILE = /^(\+\d{1,4}-?)?\d{5,15}$/;
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** duty officer 值班员 → shift leader 值班长 → leader on call 带班领导 (领导带班). */
export const TIERS = ['duty', 'leader', 'onCall'] as const;
export type Tier = (typeof TIERS)[number];

const limits = {
  /** Sends in flight at once on this channel. */
  concurrency: z.number().int().positive().default(2),
  /** DingTalk and WeCom robots accept at most 20 messages a minute each (their robot API docs). */
  perMinute: z.number().int().positive().default(20),
  timeoutMs: z.number().int().positive().default(10_000),
};

const webhookChannel = z
  .object({
    type: z.literal('webhook'),
    url: z.string().url(),
    /** HMAC-SHA256 key for the signature header over `timestamp.body`. */
    secret: z.string().min(16, 'use a secret of at least 16 characters'),
    headers: z.record(z.string(), z.string()).default({}),
    ...limits,
  })
  .strict();

const dingtalkChannel = z
  .object({
    type: z.literal('dingtalk'),
    /** The robot's webhook, https://oapi.dingtalk.com/robot/send?access_token=… */
    url: z.string().url(),
    /** The robot's 加签 secret (SEC…); the URL is then signed with timestamp and sign. */
    secret: z.string().optional(),
    /** Levels at which a recipient whose contact has a mobile (`to`) is @-mentioned, so that
     * DingTalk alerts them even in a muted group. Red by default (the level that stops work). */
    atLevels: z.array(z.enum(LEVELS)).default(['red']),
    ...limits,
  })
  .strict();

const wecomChannel = z
  .object({
    type: z.literal('wecom'),
    /** The group robot's webhook, https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… */
    url: z.string().url(),
    ...limits,
  })
  .strict();

const emailChannel = z
  .object({
    type: z.literal('email'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(465),
    /** true: TLS from the start (465); false: STARTTLS when offered (587/25). */
    secure: z.boolean().default(true),
    /** false only for a relay on loopback that offers no TLS. */
    requireTls: z.boolean().default(true),
    user: z.string().optional(),
    password: z.string().optional(),
    from: z.string().min(3),
    ...limits,
  })
  .strict();

const smsChannel = z
  .object({
    type: z.literal('sms'),
    /** The gateway's URL; may hold placeholders {{to}} {{text}} {{key}} (URL-encoded there). */
    url: z.string().min(1),
    method: z.enum(['POST', 'GET']).default('POST'),
    headers: z.record(z.string(), z.string()).default({}),
    /** Body template; placeholders are JSON-escaped for a JSON body, URL-encoded for a form. */
    body: z.string().default('{"to":"{{to}}","text":"{{text}}","id":"{{key}}"}'),
    contentType: z.enum(['application/json', 'application/x-www-form-urlencoded']).default('application/json'),
    /** When set, a JSON answer must carry this field with this value (e.g. code = 0) to count as sent. */
    okField: z.string().optional(),
    okValue: z.union([z.string(), z.number()]).optional(),
    /** SMS text is short: longer text is cut. */
    maxChars: z.number().int().positive().default(300),
    ...limits,
  })
  .strict();

export const channelConfigSchema = z.discriminatedUnion('type', [webhookChannel, dingtalkChannel, wecomChannel, emailChannel, smsChannel]);
export type ChannelConfig = z.infer<typeof channelConfigSchema>;

const contactSchema = z
  .object({
    channel: id,
    /** Address on that channel: e-mail address, mobile number; webhooks need none. On a DingTalk
     * robot: the mobile (as registered in DingTalk) to @-mention at the channel's `atLevels`. */
    to: z.string().optional(),
  })
  .strict();

const personSchema = z.object({ name: z.string().min(1), contacts: z.array(contactSchema).min(1) }).strict();
export type Person = z.infer<typeof personSchema>;

const shiftSchema = z
  .object({
    id,
    /** Weekdays on which the shift starts (a night shift belongs to the day it starts). */
    days: z.array(z.enum(WEEKDAYS)).default([...WEEKDAYS]),
    start: hhmm,
    /** An end at or before the start crosses midnight into the next day. */
    end: hhmm,
    /** Limit the shift to these sites; absent (and no `regions`) means every site. */
    sites: z.array(id).optional(),
    /** Limit the shift to the sites of these regions and every region below them (a county's
     * duty officer), beside `sites`; read from the registry when the alarm is notified, so a site
     * added to the county later is covered. */
    regions: z.array(id).optional(),
    duty: z.array(id).default([]),
    leader: z.array(id).default([]),
    onCall: z.array(id).default([]),
  })
  .strict();
export type Shift = z.infer<typeof shiftSchema>;

const tierSchema = z.object({ levels: z.array(z.enum(LEVELS)) }).strict();

const escalationLevel = z
  .object({
    /** Seconds after the alarm became unacknowledged at which it climbs to the next tier, one per climb. */
    climbAfterS: z.array(z.number().positive()).default([]),
    /** Reminder to the current tier while unacknowledged; 0 = none. */
    remindEveryS: z.number().nonnegative().default(0),
  })
  .strict()
  .refine((e) => e.climbAfterS.every((s, i) => i === 0 || s > e.climbAfterS[i - 1]!), 'climbAfterS must increase');
export type EscalationLevel = z.infer<typeof escalationLevel>;

const regionSchema = z.object({ id, name: z.string().min(1), sites: z.array(id).min(1) }).strict();

export const rosterSchema = z
  .object({
    /** Shifts and holidays are read in this time zone (IANA name). */
    timezone: z.string().default('Asia/Shanghai'),
    people: z.record(id, personSchema).default({}),
    shifts: z.array(shiftSchema).default([]),
    /** Date (local) → ids of the shifts that start that day instead of the weekday ones; [] = none. */
    holidays: z.record(isoDate, z.array(id)).default({}),
    /** Levels each tier hears of. An alarm starts at the first tier that takes its level and climbs
     * through the next ones that do. The duty officer is notified from yellow up. */
    tiers: z
      .object({
        duty: tierSchema.default({ levels: ['yellow', 'orange', 'red'] }),
        leader: tierSchema.default({ levels: ['orange', 'red'] }),
        onCall: tierSchema.default({ levels: ['red'] }),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type RosterConfig = z.infer<typeof rosterSchema>;

export const notifySchema = z
  .object({
    language: z.enum(['zh', 'en']).default('zh'),
    /** Where officers open the page; links point to `${publicUrl}/#/alarms/<id>`. */
    publicUrl: z.string().default('http://127.0.0.1:8080'),
    /** Tell those who heard of an alarm that it cleared. */
    notifyCleared: z.boolean().default(true),
    channels: z.record(id, channelConfigSchema).default({}),
    roster: rosterSchema.prefault({}),
    /** Climb delays per level. The issue's example: red climbs after 2 and 5 minutes. Other
     * figures are our defaults (no standard names them): adjust per county practice. */
    escalation: z
      .object({
        blue: escalationLevel.prefault({}),
        yellow: escalationLevel.default({ climbAfterS: [], remindEveryS: 1800 }),
        orange: escalationLevel.default({ climbAfterS: [300, 900], remindEveryS: 300 }),
        red: escalationLevel.default({ climbAfterS: [120, 300], remindEveryS: 120 }),
      })
      .strict()
      .prefault({}),
    /** Climb delays of some regions' sites (their subtrees), the first entry naming the site's
     * region winning, per level; a level an entry leaves out keeps `escalation`'s. A county that
     * answers faster, or a reservoir district whose leaders are an hour away, sets its own. */
    escalationByRegion: z
      .array(
        z
          .object({
            regions: z.array(id).min(1),
            blue: escalationLevel.optional(),
            yellow: escalationLevel.optional(),
            orange: escalationLevel.optional(),
            red: escalationLevel.optional(),
          })
          .strict(),
      )
      .default([]),
    delivery: z
      .object({
        maxAttempts: z.number().int().positive().default(8),
        baseDelayMs: z.number().int().positive().default(1000),
        maxDelayMs: z.number().int().positive().default(300_000),
        pollMs: z.number().int().positive().default(500),
        /** Sent rows are kept this long (the audit of who was told), then pruned. */
        keepSentDays: z.number().positive().default(90),
      })
      .strict()
      .prefault({}),
    /** A site's own contact (site.contact / site.contactPhone in the registry: the restaurant
     * owner, the reservoir warden) is told of that site's alarms by SMS, at raise or rise only,
     * never on the escalation ladder, never of another site. */
    siteContacts: z
      .object({
        /** On by default: the person at the site is the one who can ventilate and shut the gas
         * now, and a site without a contactPhone is simply not texted. */
        enabled: z.boolean().default(true),
        /** The SMS channel to use; unset: the one channel of type sms (none: nobody is texted). */
        channel: id.optional(),
        /** Orange and red by default: those ask the site to act (gas at the second-level alarm,
         * ≤ 50 %LEL in GB/T 50493-2019; water at the guaranteed level); blue and yellow are early
         * warnings for the duty officer, and texting thousands of kitchens with them would teach
         * owners to ignore the texts. */
        levels: z.array(z.enum(LEVELS)).default(['orange', 'red']),
      })
      .strict()
      .prefault({}),
    briefing: z
      .object({
        enabled: z.boolean().default(false),
        /** Local time (roster time zone) at which the past day's report goes out. */
        at: hhmm.default('08:00'),
        /** People (roster ids) who receive it. */
        to: z.array(id).default([]),
        /** Default: one region holding every site. */
        regions: z.array(regionSchema).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((n, ctx) => {
    const people = n.roster.people;
    for (const [pid, person] of Object.entries(people)) {
      person.contacts.forEach((c, i) => {
        const channel = n.channels[c.channel];
        if (!channel) ctx.addIssue({ code: 'custom', path: ['roster', 'people', pid, 'contacts', i, 'channel'], message: `no channel ${c.channel} in notify.channels` });
        else if (channel.type === 'dingtalk' && c.to !== undefined && !MOBILE.test(c.to)) {
          ctx.addIssue({ code: 'custom', path: ['roster', 'people', pid, 'contacts', i, 'to'], message: `a DingTalk contact's \`to\` is the mobile number to @-mention (digits, optionally +country code), not ${JSON.stringify(c.to)}` });
        } else if ((channel.type === 'email' || channel.type === 'sms') && !c.to) {
          ctx.addIssue({ code: 'custom', path: ['roster', 'people', pid, 'contacts', i, 'to'], message: `a ${channel.type} contact needs \`to\` (${channel.type === 'email' ? 'an address' : 'a mobile number'})` });
        }
      });
    }
    const shiftIds = new Set(n.roster.shifts.map((s) => s.id));
    n.roster.shifts.forEach((s, i) => {
      for (const tier of TIERS) {
        s[tier].forEach((p, j) => {
          if (!(p in people)) ctx.addIssue({ code: 'custom', path: ['roster', 'shifts', i, tier, j], message: `no person ${p} in roster.people` });
        });
      }
    });
    for (const [date, ids] of Object.entries(n.roster.holidays)) {
      ids.forEach((sid, j) => {
        if (!shiftIds.has(sid)) ctx.addIssue({ code: 'custom', path: ['roster', 'holidays', date, j], message: `no shift ${sid} in roster.shifts` });
      });
    }
    const sc = n.siteContacts.channel;
    if (sc !== undefined && n.channels[sc]?.type !== 'sms') {
      ctx.addIssue({ code: 'custom', path: ['siteContacts', 'channel'], message: `${sc} is not an sms channel in notify.channels: name one of type sms, or leave it out to use the only one` });
    } else if (sc === undefined && n.siteContacts.enabled && Object.values(n.channels).filter((c) => c.type === 'sms').length > 1) {
      ctx.addIssue({ code: 'custom', path: ['siteContacts', 'channel'], message: 'several sms channels: name the one that texts site contacts (notify.siteContacts.channel), or set siteContacts.enabled: false' });
    }
    n.briefing.to.forEach((p, j) => {
      if (!(p in people)) ctx.addIssue({ code: 'custom', path: ['briefing', 'to', j], message: `no person ${p} in roster.people` });
    });
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: n.roster.timezone });
    } catch {
      ctx.addIssue({ code: 'custom', path: ['roster', 'timezone'], message: `unknown time zone ${n.roster.timezone}: use an IANA name such as Asia/Shanghai` });
    }
  });
export type NotifyConfig = z.infer<typeof notifySchema>;

/** The channel that texts site contacts, or undefined when they are not texted. */
export function siteContactChannel(n: Pick<NotifyConfig, 'siteContacts' | 'channels'>): string | undefined {
  if (!n.siteContacts.enabled) return undefined;
  if (n.siteContacts.channel !== undefined) return n.siteContacts.channel;
  return Object.entries(n.channels).find(([, c]) => c.type === 'sms')?.[0];
}
export type NotifyConfigInput = z.input<typeof notifySchema>;
