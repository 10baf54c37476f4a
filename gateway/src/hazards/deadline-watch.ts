// Deadlines that escalate (隐患整改期限): once a minute the ledger is read for hazards whose
// deadline comes tomorrow or today in the site's calendar (a reminder to the person responsible),
// whose deadline has passed with the fix not reported (overdue: the duty roster and the leaders
// on shift for the site, through the notifier's outbox), and for major hazards that have neither
// a stop-work order nor a recorded reason (a question to the duty officer). Each notice is sent
// once per hazard and deadline: the mark and the outbox rows commit together, and an extension
// arms the reminder again.

import type { Logger } from '../log.js';
import type { Db } from '../store/sqlite.js';
import type { Tier } from '../config/notify-schema.js';
import type { NewNotification } from '../notify/outbox.js';
import type { Notifier } from '../notify/notifier.js';
import { contactsOf, peopleOn, type Recipient } from '../notify/roster.js';
import { renderHazardNotice, type HazardNoticeKind } from '../notify/hazard-notice.js';
import { daysLeft } from './deadline.js';
import { isOverdue, samePerson } from './hazard.js';
import type { Hazard } from './hazard-types.js';
import type { HazardRepository } from './repository.js';

const DAY_MS = 86_400_000;
/** Hazards read per kind and tick: a backlog is worked off over the next ticks, oldest deadline first. */
const BATCH = 500;

export interface DeadlineWatchDeps {
  readonly db: Db;
  readonly repo: HazardRepository;
  readonly notifier: Pick<Notifier, 'noticeContext' | 'queue'>;
  /** The site's name now, for the message (the id when the fleet no longer holds it). */
  readonly siteName: (site: string) => string;
  /** Whether a stop-work order is in force at the site now (OrderRepository.latestForSite). */
  readonly orderInForce: (site: string) => boolean;
  readonly clock: () => number;
  readonly log: Logger;
  readonly tickMs?: number;
}

export class HazardDeadlineWatch {
  private timer: NodeJS.Timeout | null = null;
  /** Hazard notices already logged as having nobody to reach: a roster gap is logged once, not every minute. */
  private readonly unreached = new Set<string>();

  constructor(private readonly d: DeadlineWatchDeps) {}

  start(): void {
    this.timer = setInterval(() => {
      try {
        this.tick(this.d.clock());
      } catch (err) {
        this.d.log.error({ err }, 'hazard deadline watch failed');
      }
    }, this.d.tickMs ?? 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Queues every notice due at `nowMs`; returns the outbox rows added. */
  tick(nowMs: number): number {
    const ctx = this.d.notifier.noticeContext();
    if (!ctx.active) return 0;
    let added = 0;
    // Deadlines ending within three days cover "tomorrow or today" in any zone, DST days included; the calendar decides.
    for (const h of this.d.repo.deadlinesBefore(nowMs + 3 * DAY_MS, nowMs, BATCH)) {
      if (isOverdue(h, nowMs)) added += this.send(h, 'hazard_overdue', nowMs, this.overdueAudience(h, nowMs));
      else if (daysLeft(h.plan!.deadlineDate, nowMs, h.timeZone) <= 1) added += this.send(h, 'hazard_reminder', nowMs, this.responsible(h, nowMs));
    }
    for (const h of this.d.repo.majorWithoutOrderDecision(BATCH)) {
      // An order in force at the site, even one not linked, already stops the work: nothing to ask.
      if (this.d.orderInForce(h.site)) continue;
      added += this.send(h, 'hazard_order_decision', nowMs, this.onTier(h, nowMs, ['duty']));
    }
    return added;
  }

  /** The plan's responsible person, found on the roster by id or name; the duty officer when he is not on it (someone must hear). */
  private responsible(h: Hazard, nowMs: number): Recipient[] {
    const { roster } = this.d.notifier.noticeContext();
    const name = h.plan?.responsible ?? '';
    const id = Object.entries(roster.people).find(([pid, p]) => samePerson(pid, name) || samePerson(p.name, name))?.[0];
    if (id !== undefined) return contactsOf(roster, [id]);
    this.d.log.warn({ hazard: h.id, site: h.site, responsible: name }, 'the person responsible for a hazard is not on the roster: the reminder goes to the duty officer');
    return this.onTier(h, nowMs, ['duty']);
  }

  /** Overdue: the duty officers and the leaders on shift for the site (a region's shifts cover its sites). */
  private overdueAudience(h: Hazard, nowMs: number): Recipient[] {
    return this.onTier(h, nowMs, ['duty', 'leader']);
  }

  private onTier(h: Hazard, nowMs: number, tiers: readonly Tier[]): Recipient[] {
    const { roster, inRegions } = this.d.notifier.noticeContext();
    const people = new Set(tiers.flatMap((t) => peopleOn(roster, h.site, nowMs, t, inRegions)));
    return contactsOf(roster, [...people]);
  }

  private send(h: Hazard, kind: HazardNoticeKind, nowMs: number, recipients: readonly Recipient[]): number {
    const ctx = this.d.notifier.noticeContext();
    const reachable = recipients.filter((r) => ctx.channels.has(r.channel));
    if (reachable.length === 0) {
      // Not marked: the notice goes out once someone is on shift (a roster gap at night).
      const key = `${h.id}:${kind}`;
      if (!this.unreached.has(key)) {
        if (this.unreached.size >= 10_000) this.unreached.clear();
        this.unreached.add(key);
        this.d.log.warn({ hazard: h.id, site: h.site, notice: kind }, 'nobody on the roster to tell of this hazard deadline: told once someone is on shift');
      }
      return 0;
    }
    const deadlineMs = kind === 'hazard_order_decision' ? 0 : h.plan!.deadlineMs;
    const siteName = this.d.siteName(h.site);
    const message = renderHazardNotice({
      kind,
      hazard: {
        id: h.id,
        description: h.description,
        location: h.location,
        grade: h.grading?.grade ?? null,
        responsible: h.plan?.responsible ?? null,
        deadlineDate: h.plan?.deadlineDate ?? null,
        deadlineMs: h.plan?.deadlineMs ?? null,
      },
      siteName,
      timeZone: h.timeZone,
      atMs: nowMs,
      publicUrl: ctx.publicUrl,
      language: ctx.language,
    });
    const data = { notice: kind, hazardId: h.id, site: h.site, siteName, region: h.region, grade: h.grading?.grade ?? null, deadlineDate: h.plan?.deadlineDate ?? null, overdue: kind === 'hazard_overdue', atMs: nowMs };
    const rows: NewNotification[] = reachable.map((r) => ({
      key: `hazard:${h.id}:${kind}:${deadlineMs}:${r.person}:${r.channel}`,
      alarmId: null,
      eventId: null,
      kind,
      level: null,
      recipient: r.person,
      channel: r.channel,
      address: r.to,
      title: message.title,
      body: { text: message.text, markdown: message.markdown, html: message.html, link: message.link, data: { ...data, recipient: r.person } },
      atMs: nowMs,
    }));
    return this.d.db.transaction(() => {
      if (!this.d.repo.markNotice(h.id, kind, deadlineMs, nowMs)) return 0;
      this.unreached.delete(`${h.id}:${kind}`);
      const added = this.d.notifier.queue(rows);
      this.d.log.info({ hazard: h.id, site: h.site, notice: kind, recipients: reachable.length }, 'hazard deadline notice queued');
      return added;
    })();
  }
}
