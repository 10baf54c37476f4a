// Sends the daily briefing (值班日报) once a day at the configured local time, one per region and
// recipient, through the outbox. Its keys name the day, so a restart after the hour neither
// sends it twice nor forgets it: the first tick after the hour writes it, or finds it written.

import type { NotifyConfig } from '../config/notify-schema.js';
import type { Db } from '../store/sqlite.js';
import type { Logger } from '../log.js';
import { buildBriefing } from './briefing.js';
import { addDays, isoDateOf, localParts, localToUtcMs } from './local-time.js';
import type { NewNotification, OutboxRepository } from './outbox.js';
import { contactsOf } from './roster.js';
import type { RegionBriefings } from './region-briefings.js';

export interface BriefingWindow {
  /** Local date of the briefing (the day it is sent). */
  date: string;
  fromMs: number;
  toMs: number;
}

/** The briefing of a local date: the day before at `at` up to that date at `at` (a duty day
 * runs from one handover to the next), as it is sent and as the API serves it. */
export function briefingWindowOn(date: string, at: string, timeZone: string): BriefingWindow {
  return { date, fromMs: localToUtcMs(addDays(date, -1).date, at, timeZone), toMs: localToUtcMs(date, at, timeZone) };
}

/** The briefing owed at `nowMs`: today's once its hour has come (the 24 h before it), else none. */
export function briefingWindow(nowMs: number, at: string, timeZone: string): BriefingWindow | undefined {
  const window = briefingWindowOn(isoDateOf(localParts(nowMs, timeZone)), at, timeZone);
  return nowMs < window.toMs ? undefined : window;
}

/** The newest briefing whose hour has come at `nowMs`: today's, or yesterday's before the hour. */
export function latestBriefingDate(nowMs: number, at: string, timeZone: string): string {
  const today = isoDateOf(localParts(nowMs, timeZone));
  return briefingWindow(nowMs, at, timeZone) ? today : addDays(today, -1).date;
}

/** Robots whose markdown has no tables get the briefing with its tables as lists. */
const NO_TABLES = new Set(['dingtalk', 'wecom']);

export interface Region {
  id: string;
  name: string;
  sites: string[];
}

export function regionsOf(notify: NotifyConfig, sites: readonly { id: string }[]): Region[] {
  if (notify.briefing.regions.length > 0) return notify.briefing.regions;
  return [{ id: 'all', name: notify.language === 'zh' ? '全部场所' : 'all sites', sites: sites.map((s) => s.id) }];
}

/** Roster ids of a region's officers, named by roster id or by the person's name. */
export function officersOnRoster(notify: NotifyConfig, officers: readonly string[]): string[] {
  const people = notify.roster.people;
  const ids = new Set<string>();
  for (const officer of officers) {
    if (officer in people) ids.add(officer);
    else for (const [id, person] of Object.entries(people)) if (person.name === officer) ids.add(id);
  }
  return [...ids];
}

export interface BriefingSchedulerOptions {
  db: Db;
  /** The registry's region tree: each region with officers on the roster gets its subtree's briefing. */
  regionBriefings?: RegionBriefings | undefined;
  outbox: OutboxRepository;
  notify: NotifyConfig;
  sites: readonly { id: string; name: string }[];
  log: Logger;
  /** New rows were written. */
  onQueued: () => void;
}

export class BriefingScheduler {
  private doneDate: string | null = null;

  constructor(private readonly o: BriefingSchedulerOptions) {}

  /** A new notify section taken live (SIGHUP, roster change): the next briefing goes to its people. */
  setNotify(notify: NotifyConfig): void {
    this.o.notify = notify;
  }

  /** The fleet's sites now (a fleet change): the next briefing names and counts them. */
  setSites(sites: readonly { id: string; name: string }[]): void {
    this.o.sites = sites;
  }

  /** Writes today's briefing to the outbox once its hour has come; returns how many rows were new. */
  tick(nowMs: number): number {
    const b = this.o.notify.briefing;
    if (!b.enabled) return 0;
    const tz = this.o.notify.roster.timezone;
    const window = briefingWindow(nowMs, b.at, tz);
    if (!window || window.date === this.doneDate) return 0;
    const siteNames = Object.fromEntries(this.o.sites.map((s) => [s.id, s.name]));
    const rows: NewNotification[] = [];
    // The configured regions (or every site) go to briefing.to; each region of the registry's tree
    // to its own officers, covering its subtree as the registry holds it today.
    const audiences: { key: string; region: Region; to: readonly string[] }[] = regionsOf(this.o.notify, this.o.sites).map((region) => ({ key: region.id, region, to: b.to }));
    for (const r of this.o.regionBriefings?.regions() ?? []) {
      const to = officersOnRoster(this.o.notify, r.officers);
      const sites = to.length > 0 ? this.o.regionBriefings!.sitesUnder(r.id) : undefined;
      if (sites) audiences.push({ key: `tree:${r.id}`, region: { id: r.id, name: r.name, sites }, to });
    }
    for (const { key, region, to } of audiences.filter((a) => a.to.length > 0)) {
      const report = buildBriefing(this.o.db, { ...window, sites: region.sites, siteNames, timeZone: tz, language: this.o.notify.language, regionName: region.name });
      for (const r of contactsOf(this.o.notify.roster, to)) {
        const channel = this.o.notify.channels[r.channel];
        if (!channel) continue;
        const markdown = NO_TABLES.has(channel.type) ? report.markdownLists : report.markdown;
        rows.push({
          key: `briefing:${key}:${window.date}:${r.person}:${r.channel}`,
          alarmId: null,
          eventId: null,
          kind: 'briefing',
          level: null,
          recipient: r.person,
          channel: r.channel,
          address: r.to,
          title: report.title,
          body: { text: report.markdown, markdown, html: report.html, link: this.o.notify.publicUrl, data: { notice: 'briefing', region: region.id, date: window.date, fromMs: window.fromMs, toMs: window.toMs } },
          atMs: nowMs,
        });
      }
    }
    const added = this.o.outbox.enqueue(rows);
    this.doneDate = window.date;
    if (added > 0) {
      this.o.log.info({ date: window.date, rows: added }, 'daily briefing queued');
      this.o.onQueued();
    }
    return added;
  }
}
