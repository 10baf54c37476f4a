// The notification extension the runtime starts and stops: the outbox hook on every alarm save,
// the delivery worker, the escalation ticker and the daily briefing.

import type { Scope } from '../contract/scope.js';
import type { Alarm, AlarmEvent } from '../alarms/lifecycle.js';
import type { AlarmRepository } from '../alarms/repository.js';
import { siteContactChannel, type NotifyConfig } from '../config/notify-schema.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/sqlite.js';
import type { EventBus } from '../events.js';
import type { OrderCommand, StopWorkOrder } from '../orders/stop-work.js';
import { interlockState, renderOrderNotice, type OrderNoticeKind } from './order-notice.js';
import { NO_SURROUNDINGS, suppressReason, type AlarmSurroundings } from './suppression.js';
import { buildBriefing, type Briefing } from './briefing.js';
import { BriefingScheduler, briefingWindowOn, latestBriefingDate, regionsOf, type BriefingWindow, type Region } from './briefing-schedule.js';
import type { Channel } from './channels/channel.js';
import { buildChannels } from './channels/index.js';
import { DeliveryWorker, type ChannelLimit, type DeliveryStats } from './delivery.js';
import { EscalationService } from './escalation.js';
import { OutboxRepository, type NewNotification, type OutboxRow, type OutboxState } from './outbox.js';
import type { Language } from './message.js';
import { planNotifications, planSiteContact, siteInfo, type SiteInfo } from './planner.js';
import { tierChain, type InRegions } from './roster.js';
import type { RegionBriefings } from './region-briefings.js';
import type { FleetFollower, SiteChange } from '../registry/fleet.js';
import { rosterSiteProblems } from '../config/notify-sites.js';

const HOUR_MS = 3_600_000;

export interface NotifierOptions {
  db: Db;
  alarmRepo: AlarmRepository;
  notify: NotifyConfig;
  /** Sites with their own contact (the registry's site.contact / contactPhone). */
  sites: readonly { id: string; name: string; timezone: string; contact?: string | undefined; contactPhone?: string | undefined }[];
  clock: () => number;
  log: Logger;
  /** A predicate of the caller's on top of the suppression policy (suppression.ts). */
  suppress?: ((alarm: Alarm) => boolean) | undefined;
  /** Maintenance and flood around an alarm now, for the escalation timer (outside any save);
   * a saved move brings its own. */
  surroundings?: ((alarm: Alarm) => AlarmSurroundings) | undefined;
  onDeliveryFailed?: ((row: OutboxRow) => void) | undefined;
  onDelivered?: ((row: OutboxRow) => void) | undefined;
  /** The registry's region tree: its regions' briefings (region-briefings.ts). */
  regionBriefings?: RegionBriefings | undefined;
  /** The registry's region tree, for shifts limited to regions (roster.ts); absent: none covers a site. */
  inRegions?: InRegions | undefined;
  /** Fan-out of escalation steps (the event bus). */
  emit?: ((alarm: Alarm, event: AlarmEvent) => void) | undefined;
  /** The alarm's own time when the gateway clock reads nowMs (AlarmService.alarmTime); absent: the gateway clock. */
  alarmTime?: ((alarm: Alarm, nowMs: number) => number) | undefined;
  /** The gateway's events: stop-work orders and their actuators' outcomes are notification
   * steps of the red alarm that issued them (order-notice.ts). */
  events?: EventBus | undefined;
  /** Tests pass their own channels (e.g. pointing at a receiver that comes and goes). */
  channels?: ReadonlyMap<string, Channel>;
  random?: () => number;
}

export class Notifier implements FleetFollower {
  readonly outbox: OutboxRepository;
  readonly delivery: DeliveryWorker;
  readonly escalation: EscalationService;
  readonly briefings: BriefingScheduler;
  private readonly channels: ReadonlyMap<string, Channel>;
  private readonly sites: Map<string, SiteInfo>;
  /** Channels and shifts exist: without both nobody can be told, and climbing would only fill
   * the alarm history with steps that reach no one. */
  readonly active: boolean;
  /** The SMS channel that texts each site's own contact (notify.siteContacts), or undefined. */
  private readonly contactChannel: string | undefined;
  private tickTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private lastPruneMs = 0;

  constructor(private readonly o: NotifierOptions) {
    const log = o.log;
    const problems = rosterSiteProblems(o.notify, o.sites);
    if (problems.length > 0) throw new ConfigError(problems);
    const hasChannels = Object.keys(o.notify.channels).length > 0;
    this.active = hasChannels && o.notify.roster.shifts.length > 0;
    if (hasChannels && !this.active) log.warn('notify.channels are set but notify.roster has no shifts: alarms will notify nobody');
    this.outbox = new OutboxRepository(o.db);
    this.sites = new Map(o.sites.map((s) => [s.id, siteInfo(s)]));
    this.contactChannel = siteContactChannel(o.notify);
    this.channels = o.channels ?? buildChannels(o.notify.channels, o.clock);
    const limits = new Map<string, ChannelLimit>(Object.entries(o.notify.channels).map(([id, c]) => [id, { concurrency: c.concurrency, perMinute: c.perMinute }]));
    this.delivery = new DeliveryWorker({
      outbox: this.outbox,
      channels: this.channels,
      limits,
      policy: o.notify.delivery,
      clock: o.clock,
      log,
      ...(o.random ? { random: o.random } : {}),
      ...(o.onDeliveryFailed ? { onDeliveryFailed: o.onDeliveryFailed } : {}),
      ...(o.onDelivered ? { onDelivered: o.onDelivered } : {}),
    });
    const suppressNow = (alarm: Alarm): boolean => this.spared(alarm, o.surroundings?.(alarm) ?? NO_SURROUNDINGS);
    this.escalation = new EscalationService({
      repo: o.alarmRepo,
      notify: o.notify,
      clock: o.clock,
      log,
      suppress: suppressNow,
      ...(o.emit ? { emit: o.emit } : {}),
      ...(o.alarmTime ? { alarmTime: o.alarmTime } : {}),
      inRegions: o.inRegions,
    });
    this.briefings = new BriefingScheduler({ db: o.db, outbox: this.outbox, notify: o.notify, sites: o.sites, regionBriefings: o.regionBriefings, log, onQueued: () => this.delivery.kick() });
    o.alarmRepo.onSave((alarm, events, ids, surroundings) => this.onAlarmSaved(alarm, events, ids, surroundings));
    // Subscribed at construction, before any reading can issue an order.
    if (o.events) {
      this.unsubscribe.push(
        o.events.on('order', ({ order, what }) => {
          if (what === 'issued') this.onOrderStep('order_issued', order);
          // An order with no actuator has nothing to confirm: its issued notice says so already.
          else if (what === 'confirmed' && order.commands.length > 0) this.onOrderStep('order_confirmed', order);
        }),
        o.events.on('command', ({ order, command, what }) => {
          if (what === 'unconfirmed' || what === 'failed') this.onOrderStep('order_unconfirmed', order, command);
        }),
      );
    }
  }

  /**
   * A stop-work order's step, told to everyone who heard of the red alarm that issued it, on the
   * channels they heard it on. Written after the order is saved (not in its transaction): a crash
   * in between loses this notice, never the order or the alarm's own notification.
   */
  private onOrderStep(kind: OrderNoticeKind, order: StopWorkOrder, command?: OrderCommand): void {
    if (!this.active && this.contactChannel === undefined) return;
    try {
      const audience = this.outbox.audienceOf(order.alarmId).filter((a) => a.channel in this.o.notify.channels);
      if (audience.length === 0) return;
      const alarm = this.o.alarmRepo.get(order.alarmId);
      const site = this.sites.get(order.site) ?? { name: order.site, timeZone: this.o.notify.roster.timezone };
      const atMs = this.o.clock();
      const message = renderOrderNotice({
        kind,
        order,
        ...(command ? { command } : {}),
        ...(alarm ? { alarm } : {}),
        atMs,
        siteName: site.name,
        timeZone: site.timeZone,
        publicUrl: this.o.notify.publicUrl,
        language: this.o.notify.language,
      });
      const step = command ? `${kind}:${command.device}` : kind;
      const data = {
        notice: kind,
        kind: alarm?.kind ?? null,
        ruleId: alarm?.ruleId ?? null,
        alarmId: order.alarmId,
        orderId: order.id,
        site: order.site,
        siteName: site.name,
        level: 'red',
        atMs,
        interlock: order.commands.map((c) => ({ device: c.device, action: c.action, state: interlockState(c), attempts: c.attempts })),
      };
      const added = this.outbox.enqueue(
        audience.map((a) => ({
          key: `order:${order.id}:${step}:${a.recipient}:${a.channel}`,
          alarmId: order.alarmId,
          eventId: null,
          kind,
          level: 'red',
          recipient: a.recipient,
          channel: a.channel,
          address: a.address,
          title: message.title,
          body: { text: message.text, markdown: message.markdown, html: message.html, link: message.link, data: { ...data, recipient: a.recipient } },
          atMs,
        })),
      );
      if (added > 0) setImmediate(() => this.delivery.kick());
    } catch (err) {
      this.o.log.error({ err, site: order.site, orderId: order.id, notice: kind }, 'cannot queue the stop-work order notification');
    }
  }

  /** Runs inside the alarm's save transaction: the rows commit with the move or not at all. */
  /** The suppression policy (suppression.ts) over the alarm's surroundings, and the caller's predicate. */
  private spared(alarm: Alarm, around: AlarmSurroundings): boolean {
    return suppressReason(alarm, this.o.clock(), around) !== null || (this.o.suppress?.(alarm) ?? false);
  }

  private onAlarmSaved(alarm: Alarm, events: readonly AlarmEvent[], ids: readonly number[], around: AlarmSurroundings): void {
    // A site's own contact is texted even where no roster is kept (a gas company texting its
    // kitchens); the officers' rows need the roster.
    if (!this.active && this.contactChannel === undefined) return;
    const suppress = (a: Alarm): boolean => this.spared(a, around);
    let added = 0;
    events.forEach((event, i) => {
      let rows;
      try {
        const ctx = {
          notify: this.o.notify,
          site: (id: string) => this.sites.get(id),
          suppress,
          audienceOf: (alarmId: string) => this.outbox.audienceOf(alarmId),
          stopWork: around.stopWork,
          inRegions: this.o.inRegions,
        };
        rows = planNotifications(alarm, event, ids[i]!, ctx);
        if (this.contactChannel !== undefined) rows = [...rows, ...planSiteContact(alarm, event, ids[i]!, ctx, this.contactChannel)];
      } catch (err) {
        // A planning bug must not roll back the alarm itself: the alarm is saved and shown on
        // the page; the missing notification is logged as the error it is.
        this.o.log.error({ err, alarmId: alarm.id, kind: event.kind }, 'cannot plan notifications for an alarm step');
        return;
      }
      if (this.active && rows.length === 0 && (event.kind === 'raised' || event.kind === 'escalated') && tierChain(this.o.notify.roster, alarm.level).length > 0 && !suppress(alarm)) {
        this.o.log.warn({ site: alarm.site, device: alarm.device, alarmId: alarm.id, level: alarm.level }, 'nobody on duty to notify of this alarm (roster gap?)');
      }
      added += this.outbox.enqueue(rows);
    });
    // After the commit (the transaction is synchronous): the worker then sees the rows.
    if (added > 0) setImmediate(() => this.delivery.kick());
  }

  /**
   * Takes a new roster (people, their contacts, shifts, time zone) while running: a re-read config
   * (SIGHUP) changes who is on duty without a restart, and the next plan, escalation step and
   * briefing use it. Refused (false) when it would switch notification on or off, which starts or
   * stops the escalation ticker: that takes a restart.
   */
  setRoster(roster: NotifyConfig['roster']): boolean {
    if (Object.keys(this.o.notify.channels).length > 0 && roster.shifts.length > 0) {
      if (!this.active) return false;
    } else if (this.active) return false;
    const notify: NotifyConfig = { ...this.o.notify, roster };
    this.o.notify = notify;
    this.escalation.setNotify(notify);
    this.briefings.setNotify(notify);
    return true;
  }

  start(): void {
    // Rows left from an earlier configuration are still delivered (or failed, if their channel went).
    this.delivery.start();
    if (this.active) this.escalation.start();
    this.tickTimer = setInterval(() => {
      const now = this.o.clock();
      try {
        this.briefings.tick(now);
        if (now - this.lastPruneMs >= HOUR_MS) {
          this.lastPruneMs = now;
          this.outbox.pruneSent(now - this.o.notify.delivery.keepSentDays * 24 * HOUR_MS);
        }
      } catch (err) {
        this.o.log.error({ err }, 'daily briefing or outbox pruning failed');
      }
    }, 30_000);
    this.tickTimer.unref();
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.escalation.stop();
    await this.delivery.stop();
    for (const c of this.channels.values()) c.close?.();
  }

  /** Stops everything at once, sends in flight left unrecorded: a killed process (test only). */
  abandon(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.escalation.stop();
    this.delivery.abandon();
  }

  stats(): DeliveryStats {
    return this.delivery.stats();
  }

  /** Outbox rows, newest first (the API's notification list). */
  list(filter: { state?: OutboxState; alarmId?: string; beforeId?: number; limit: number; scope?: Scope }): OutboxRow[] {
    return this.outbox.list(filter);
  }

  get(id: number): OutboxRow | undefined {
    return this.outbox.get(id);
  }

  /** A failed notification back to pending, due now (the API's retry, inside its audit
   * transaction); the worker looks once that has committed. False if the row is not failed. */
  requeue(id: number): boolean {
    const done = this.outbox.requeue(id, this.o.clock());
    if (done) setImmediate(() => this.delivery.kick());
    return done;
  }

  /**
   * The fleet changed: messages name a site added or renamed, in its time zone, and the briefing
   * counts the sites there are now. The roster's own site lists are its section's (SIGHUP).
   */
  applySites(changes: readonly SiteChange[]): void {
    for (const { before, after } of changes) {
      if (after) this.sites.set(after.id, siteInfo(after));
      else if (before) this.sites.delete(before.id);
    }
    this.briefings.setSites(this.siteList());
  }

  private siteList(): { id: string; name: string; timezone: string }[] {
    return [...this.sites].map(([id, s]) => ({ id, name: s.name, timezone: s.timeZone }));
  }

  /**
   * What a notice that is no alarm step needs (the hazard ledger's deadlines, hazards/deadline-watch.ts):
   * whether anyone can be told, the roster as it is now (SIGHUP replaces it), the page's address,
   * the language and the region tree for shifts limited to regions.
   */
  noticeContext(): { active: boolean; roster: NotifyConfig['roster']; channels: ReadonlySet<string>; publicUrl: string; language: Language; inRegions: InRegions | undefined } {
    const n = this.o.notify;
    return { active: this.active, roster: n.roster, channels: new Set(Object.keys(n.channels)), publicUrl: n.publicUrl, language: n.language, inRegions: this.o.inRegions };
  }

  /** Queues rows that are no alarm step (in the caller's transaction when it holds one); the worker looks once it has committed. */
  queue(rows: readonly NewNotification[]): number {
    const added = this.outbox.enqueue(rows);
    if (added > 0) setImmediate(() => this.delivery.kick());
    return added;
  }

  /** A recipient's name: a roster person's (stored by roster id), or a site's own contact
   * (stored as site:<id>, planner.ts siteContactId), named as the registry holds the site now. */
  personName(id: string): string | undefined {
    const person = this.o.notify.roster.people[id]?.name;
    if (person !== undefined || !id.startsWith('site:')) return person;
    const site = this.sites.get(id.slice('site:'.length));
    return site ? (site.contact ?? site.name) : undefined;
  }

  /** The briefing regions; without configured ones, one region `all` of every site. */
  regions(): Region[] {
    return regionsOf(this.o.notify, this.siteList());
  }

  /** Every briefing the API serves by region: the configured ones (or `all`), then the registry's
   * regions whose ids those do not already take. */
  briefingRegions(): { id: string; name: string }[] {
    const configured = this.regions().map((r) => ({ id: r.id, name: r.name }));
    const taken = new Set(configured.map((r) => r.id));
    return [...configured, ...(this.o.regionBriefings?.regions() ?? []).filter((r) => !taken.has(r.id)).map((r) => ({ id: r.id, name: r.name }))];
  }

  /** A briefing region with its sites: a configured one's list, or a registry region's subtree as the registry holds it now. */
  private regionWithSites(regionId: string): Region | undefined {
    const configured = this.regions().find((r) => r.id === regionId);
    if (configured) return configured;
    const tree = this.o.regionBriefings?.regions().find((r) => r.id === regionId);
    const sites = tree ? this.o.regionBriefings!.sitesUnder(regionId) : undefined;
    return tree && sites ? { id: tree.id, name: tree.name, sites } : undefined;
  }

  /** The newest briefing date whose hour (notify.briefing.at) has come at `nowMs`. */
  latestBriefingDate(nowMs: number): string {
    return latestBriefingDate(nowMs, this.o.notify.briefing.at, this.o.notify.roster.timezone);
  }

  /** The briefing of a local date (the duty day ending that date at notify.briefing.at, as the
   * scheduler sends it) for a region by id, given sites (a restaurant owner's one kitchen), or
   * every site; undefined for an unknown region. */
  briefingOn(date: string, regionId?: string | Region): { window: BriefingWindow; timeZone: string; language: Language; region: { id: string; name: string }; briefing: Briefing } | undefined {
    const timeZone = this.o.notify.roster.timezone;
    const window = briefingWindowOn(date, this.o.notify.briefing.at, timeZone);
    const briefing = this.briefing(window.fromMs, window.toMs, regionId);
    if (!briefing) return undefined;
    const region = regionId === undefined ? { id: 'all', name: this.allSitesName() } : typeof regionId === 'object' ? regionId : this.briefingRegions().find((r) => r.id === regionId)!;
    return { window, timeZone, language: this.o.notify.language, region: { id: region.id, name: region.name }, briefing };
  }

  private allSitesName(): string {
    return this.o.notify.language === 'zh' ? '全部场所' : 'all sites';
  }

  /** The briefing for a window and a region (default: every site), as the API serves it. */
  briefing(fromMs: number, toMs: number, regionId?: string | Region): Briefing | undefined {
    const all = { id: 'all', name: this.allSitesName(), sites: [...this.sites.keys()] };
    const region = regionId === undefined ? all : typeof regionId === 'object' ? regionId : this.regionWithSites(regionId);
    if (!region) return undefined;
    return buildBriefing(this.o.db, {
      fromMs,
      toMs,
      sites: region.sites,
      siteNames: Object.fromEntries([...this.sites].map(([id, s]) => [id, s.name])),
      timeZone: this.o.notify.roster.timezone,
      language: this.o.notify.language,
      regionName: region.name,
    });
  }
}
