// The duty roster (值班表): who is on which tier at a given instant, read in the roster's time
// zone. Pure: config, an instant and the registry's answer to "is this site in these regions" in,
// people and their contacts out.

import type { Level } from '../contract/levels.js';
import { TIERS, type RosterConfig, type Shift, type Tier } from '../config/notify-schema.js';
import { addDays, isoDateOf, localParts, minutesOfDay, parseHhmm } from './local-time.js';

export interface Recipient {
  person: string;
  name: string;
  channel: string;
  /** Address on the channel (mail, mobile); null for robots and webhooks. */
  to: string | null;
}

/** Shifts that start on a local date: a holiday's own list, otherwise those of its weekday. */
function startingOn(roster: RosterConfig, day: { date: string; weekday: string }): Shift[] {
  const holiday = roster.holidays[day.date];
  if (holiday) return roster.shifts.filter((s) => holiday.includes(s.id));
  return roster.shifts.filter((s) => (s.days as string[]).includes(day.weekday));
}

function crossesMidnight(s: Shift): boolean {
  return parseHhmm(s.end) <= parseHhmm(s.start);
}

/** Whether `site` lies in one of `regions` or below them (the registry's region tree). */
export type InRegions = (site: string, regions: readonly string[]) => boolean;

/** Without a registry no site lies in any region: a shift limited to regions covers none. */
export const NO_REGIONS: InRegions = () => false;

/** Whether a shift covers the site: every site when it names neither sites nor regions. */
function covers(s: Shift, site: string, inRegions: InRegions): boolean {
  if (s.sites === undefined && s.regions === undefined) return true;
  return (s.sites?.includes(site) ?? false) || (s.regions !== undefined && s.regions.length > 0 && inRegions(site, s.regions));
}

/** Shifts in force at `atMs` for `site`: those begun today, and last night's that run past midnight. */
export function shiftsAt(roster: RosterConfig, site: string, atMs: number, inRegions: InRegions = NO_REGIONS): Shift[] {
  const p = localParts(atMs, roster.timezone);
  const today = { date: isoDateOf(p), weekday: p.weekday };
  const yesterday = addDays(today.date, -1);
  const t = minutesOfDay(p);
  const out: Shift[] = [];
  for (const s of startingOn(roster, today)) {
    const start = parseHhmm(s.start);
    if (crossesMidnight(s) ? t >= start : t >= start && t < parseHhmm(s.end)) out.push(s);
  }
  for (const s of startingOn(roster, yesterday)) if (crossesMidnight(s) && t < parseHhmm(s.end)) out.push(s);
  return out.filter((s) => covers(s, site, inRegions));
}

/** People on a tier at `atMs` for `site` (roster ids, each once). */
export function peopleOn(roster: RosterConfig, site: string, atMs: number, tier: Tier, inRegions: InRegions = NO_REGIONS): string[] {
  const ids = new Set<string>();
  for (const s of shiftsAt(roster, site, atMs, inRegions)) for (const p of s[tier]) ids.add(p);
  return [...ids];
}

/** Each contact of each person: one notification per (person, channel). */
export function contactsOf(roster: RosterConfig, people: readonly string[]): Recipient[] {
  const out: Recipient[] = [];
  for (const pid of people) {
    const person = roster.people[pid];
    if (!person) continue;
    for (const c of person.contacts) out.push({ person: pid, name: person.name, channel: c.channel, to: c.to ?? null });
  }
  return out;
}

export function recipientsOn(roster: RosterConfig, site: string, atMs: number, tier: Tier, inRegions: InRegions = NO_REGIONS): Recipient[] {
  return contactsOf(roster, peopleOn(roster, site, atMs, tier, inRegions));
}

/** The tiers an alarm of `level` passes through, lowest first: those whose levels include it. */
export function tierChain(roster: RosterConfig, level: Level): Tier[] {
  return TIERS.filter((t) => roster.tiers[t].levels.includes(level));
}
