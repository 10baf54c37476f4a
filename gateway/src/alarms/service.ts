// Turns level transitions into alarms (one per sensor, rule and episode), persists every move
// with its events, and carries out officers' acts: acknowledge, close, shelve, out of service.
// It also says which alarms the roster should not hear of (suppress) and consolidates floods.

import type { Scope } from '../contract/scope.js';
import { randomUUID } from 'node:crypto';
import type { Level } from '../contract/levels.js';
import { alarmKindOfRule } from '../contract/alarm-kind.js';
import type { LevelTransition } from '../detect/engine.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import { acknowledge, applyLevel, closeAlarm, expireShelf, isOpen, raiseAlarm, retireAlarm, shelveAlarm, unshelveAlarm, type Alarm, type AlarmEvent, type Outcome } from './lifecycle.js';
import { SiteDirectory } from './site-directory.js';
import { DEFAULT_PENDING_LIMITS } from './pending-saves.js';
import { AlarmSaver } from './alarm-saver.js';
import { alarmTime, chatteringEvent, DEFAULT_STALE_ALARM_MS, staleAlarmEvent } from './alarm-time.js';
import { ChatterGuard, DEFAULT_CHATTER_POLICY } from './chattering.js';
import { directIdentity, type DirectAlarm } from './direct-alarm.js';
import { episodeKey, valueOf, type EpisodeIdentity } from './episode.js';
import { DEFAULT_FLOOD_POLICY, isFloodAlarm } from './flood.js';
import { alarmSystemMetrics, type AlarmSystemMetrics } from './metrics.js';
import { OutOfServiceRegister, type OutOfServiceInput } from './out-of-service-register.js';
import type { OutOfService, OutOfServiceOutcome } from './out-of-service.js';
import type { AlarmRepository } from './repository.js';
import { DEFAULT_OUT_OF_SERVICE_MAX_MS, DEFAULT_SHELVE_MAX_MS, type AlarmServiceDeps } from './service-deps.js';
import { floodKey, SiteFloods } from './site-floods.js';
import { suppressReason, type AlarmSurroundings, type StopWorkNotice, type SuppressReason } from '../notify/suppression.js';

export { DEFAULT_OUT_OF_SERVICE_MAX_MS, DEFAULT_SHELVE_MAX_MS, type AlarmServiceDeps };
export type { DirectAlarm, SuppressReason };

export class AlarmService {
  /** The alarm whose condition is present now, per sensor and rule. */
  private readonly activeByEpisode = new Map<string, Alarm>();

  /** Clears held back from chattering sources until they are stable (ISA-18.2). */
  private readonly heldClears = new Map<string, LevelTransition>();
  private readonly chatter: ChatterGuard;
  /** Alarms already flagged stale (loaded at start from their events, so none is flagged twice). */
  private readonly staleFlagged = new Set<string>();
  /** Shelf expiry per alarm id, for every alarm still carrying a shelf (active or not). */
  private readonly shelfUntil = new Map<string, number>();
  private readonly floods: SiteFloods;
  private readonly shelveMaxMs: number;
  /** The fleet's sites as the service knows them: time zones and devices (alarms-follower.ts keeps it in step). */
  readonly sites: SiteDirectory;
  readonly outOfService: OutOfServiceRegister;
  /** Saves every move; holds and retries what the database refuses (its hooks: runtime.ts). */
  readonly saves: AlarmSaver;

  private readonly repo: AlarmRepository;
  private readonly events: EventBus;
  private readonly clock: () => number;
  private readonly log: Logger;
  private readonly staleAlarmMs: number;

  constructor(options: AlarmServiceDeps) {
    const { repo, events, clock, log } = options;
    this.repo = repo;
    this.events = events;
    this.clock = clock;
    this.log = log;
    this.staleAlarmMs = options.staleAlarmMs ?? DEFAULT_STALE_ALARM_MS;
    this.chatter = new ChatterGuard(options.chatter ?? DEFAULT_CHATTER_POLICY);
    this.floods = new SiteFloods(options.flood ?? DEFAULT_FLOOD_POLICY, log);
    this.shelveMaxMs = options.shelveMaxMs ?? DEFAULT_SHELVE_MAX_MS;
    this.sites = new SiteDirectory(options.sites);
    this.saves = new AlarmSaver(repo, clock, log, options.pendingLimits ?? DEFAULT_PENDING_LIMITS);
    this.outOfService = new OutOfServiceRegister(repo.outOfService, events, clock, log, options.outOfServiceMaxMs ?? DEFAULT_OUT_OF_SERVICE_MAX_MS, this.sites.complete ? this.sites : undefined);
    const now = clock();
    for (const alarm of repo.active()) {
      this.activeByEpisode.set(episodeKey(alarm), alarm);
      this.floods.restore(alarm, now);
    }
    for (const alarm of repo.shelved()) this.shelfUntil.set(alarm.id, alarm.shelvedUntilMs!);
    for (const id of repo.staleFlaggedActive()) this.staleFlagged.add(id);
  }

  /** Active alarms loaded at start; the engine restores its levels from them. */
  activeAlarms(): Alarm[] {
    return [...this.activeByEpisode.values()];
  }

  /**
   * Levels of the site's alarms whose condition is present (a lift is refused on orange or red).
   * The flood alarm is left out: it only counts the site's alarms, which speak for themselves.
   */
  activeLevels(site: string, except?: (alarm: Alarm) => boolean): Level[] {
    const levels: Level[] = [];
    for (const alarm of this.activeByEpisode.values()) if (alarm.site === site && !isFloodAlarm(alarm) && !except?.(alarm)) levels.push(alarm.level);
    return levels;
  }

  /**
   * Applies one transition from the detection engine and returns the alarm it moved. `stopWork`:
   * the order this red move issues right after (the pipeline's decision), saved with the move so
   * the red message says it.
   */
  onTransition(t: LevelTransition, stopWork?: StopWorkNotice): Alarm | undefined {
    const key = episodeKey(t);
    const current = this.activeByEpisode.get(key);
    const now = this.clock();
    const crossing = t.from === null && t.to !== null;
    const wasChattering = this.chatter.isFlagged(key);
    if (crossing) this.chatter.noteRaise(key, now);
    else this.chatter.noteChange(key, now);
    const chattering = this.chatter.isFlagged(key);
    if (current !== undefined && t.to === null && chattering) {
      // Held in alarm until the source is quiet: one alarm, not one per crossing.
      this.heldClears.set(key, t);
      return current;
    }
    if (crossing) this.heldClears.delete(key);
    const kind = t.alarmKind ?? alarmKindOfRule(t.ruleId);
    const events = (alarm: Alarm, moved: readonly AlarmEvent[]) => (chattering && !wasChattering ? [...moved, this.chattering(alarm, t.atMs)] : moved);
    // How far the gateway's clock runs ahead of this reading's time: the alarm keeps it (and
    // stores it) so its stale flag, held clear and officers' acts are timed in its own time.
    return this.moveEpisode(current, { site: t.site, device: t.device, channel: t.channel, quantity: t.quantity, ruleId: t.ruleId, kind }, t.to, valueOf(t), t.atMs, now, events, { clockLeadMs: now - t.atMs, rate: t.rate, stopWork });
  }

  /** Raises (or moves to `level`) an alarm detection does not make; returns the alarm it moved (a no-op at that level). */
  raiseDirect(direct: DirectAlarm, level: Level): Alarm | undefined {
    const { value, ...identity } = directIdentity(direct);
    return this.moveEpisode(this.activeByEpisode.get(episodeKey(identity)), identity, level, value, this.clock(), this.clock());
  }

  /** Ends the condition of a direct alarm (a no-op when it is not active). */
  clearDirect(direct: DirectAlarm): Alarm | undefined {
    const { value, ...identity } = directIdentity(direct);
    const current = this.activeByEpisode.get(episodeKey(identity));
    if (current === undefined) return undefined;
    return this.moveEpisode(current, identity, null, value, this.clock(), this.clock());
  }

  /** Whether the direct alarm's condition is present now. */
  isDirectActive(direct: DirectAlarm): boolean {
    return this.activeByEpisode.has(episodeKey(directIdentity(direct)));
  }

  /** Raises a new alarm or moves the episode's current one; saves and tells observers. */
  private moveEpisode(
    current: Alarm | undefined,
    identity: EpisodeIdentity,
    to: Level | null,
    value: number,
    atMs: number,
    now: number,
    withEvents: (alarm: Alarm, moved: readonly AlarmEvent[]) => readonly AlarmEvent[] = (_, moved) => moved,
    reading?: { clockLeadMs: number; rate: LevelTransition['rate']; stopWork: StopWorkNotice | undefined },
  ): Alarm | undefined {
    let outcome: Outcome;
    if (current === undefined) {
      if (to === null) return undefined; // cleared a level no alarm holds (restored cold): nothing to do
      outcome = raiseAlarm({ id: randomUUID(), ...identity, level: to, value, atMs, rate: reading?.rate });
    } else {
      outcome = applyLevel(current, to, value, atMs, reading?.rate?.perS);
      if (outcome.rejected) {
        this.log.error({ alarmId: current.id, rejected: outcome.rejected, to }, 'transition refused by the alarm lifecycle');
        return current;
      }
    }
    if (outcome.events.length === 0) return outcome.next; // already at that level
    const alarm = reading === undefined ? outcome.next : { ...outcome.next, clockLeadMs: reading.clockLeadMs };
    const events = withEvents(alarm, outcome.events);
    // The flood is counted before the save, so suppress() in a save hook already sees it.
    const floodMove = current === undefined ? this.countForFlood(alarm, now) : null;
    this.persist(alarm, events, false, reading?.stopWork);
    if (floodMove) this.moveFloodAlarm(alarm.site, now);
    return alarm;
  }

  /** Called every second: stale alarms, quiet chattering sources, shelves, maintenance, floods. */
  tick(nowMs: number): void {
    this.flagStale(nowMs);
    this.releaseStable(nowMs);
    this.expireShelves(nowMs);
    this.outOfService.tick(nowMs);
    this.endFloods(nowMs);
  }

  /** The alarm's own time when the gateway's clock reads `nowMs` (alarm-time.ts). */
  alarmTime(alarm: Alarm, nowMs: number): number {
    return alarmTime(alarm, nowMs);
  }

  private flagStale(nowMs: number): void {
    for (const alarm of this.activeByEpisode.values()) {
      const atMs = this.alarmTime(alarm, nowMs);
      if (atMs - alarm.raisedAtMs < this.staleAlarmMs || this.staleFlagged.has(alarm.id)) continue;
      this.staleFlagged.add(alarm.id);
      const event = staleAlarmEvent(alarm, atMs, this.staleAlarmMs);
      this.log.warn({ site: alarm.site, device: alarm.device, alarmId: alarm.id }, 'stale alarm: active for too long');
      this.persist(alarm, [event]);
    }
  }

  /** Sources quiet long enough let their held clear through. */
  releaseStable(nowMs: number): void {
    for (const key of this.chatter.stable(nowMs)) {
      const held = this.heldClears.get(key);
      this.heldClears.delete(key);
      const current = this.activeByEpisode.get(key);
      if (held === undefined || current === undefined) continue;
      const outcome = applyLevel(current, null, valueOf(held), this.alarmTime(current, nowMs), held.rate?.perS);
      if (outcome.rejected) continue;
      this.persist(outcome.next, outcome.events);
    }
  }

  private expireShelves(nowMs: number): void {
    for (const [id, untilMs] of [...this.shelfUntil]) {
      if (nowMs < untilMs) continue;
      const alarm = this.get(id);
      if (!alarm) {
        this.shelfUntil.delete(id);
        continue;
      }
      const outcome = expireShelf(alarm, nowMs);
      if (outcome.events.length > 0) this.persist(outcome.next, outcome.events);
      else this.shelfUntil.delete(id);
    }
  }

  private chattering(alarm: Alarm, nowMs: number): AlarmEvent {
    this.log.warn({ site: alarm.site, device: alarm.device, alarmId: alarm.id }, 'chattering sensor: alarm held until stable');
    return chatteringEvent(alarm, nowMs);
  }

  /** In the alarm's own time, so its time-to-acknowledge is the time the officer really took. */
  acknowledge(id: string, by: string, note?: string): Outcome | undefined {
    return this.act(id, (alarm, nowMs) => acknowledge(alarm, by, this.alarmTime(alarm, nowMs), note));
  }

  close(id: string, by: string, note: string): Outcome | undefined {
    return this.act(id, (alarm, nowMs) => closeAlarm(alarm, by, note, this.alarmTime(alarm, nowMs)));
  }

  /** Closes an open alarm whose device left the fleet (lifecycle.ts retireAlarm), whatever its state. */
  retire(id: string, by: string, note: string): Outcome | undefined {
    return this.act(id, (alarm, nowMs) => retireAlarm(alarm, by, note, this.alarmTime(alarm, nowMs)));
  }

  /** The site's open alarms as stored (one device's, when given): active, or awaiting ack or sign-off. */
  openAlarms(site: string, device?: string): Alarm[] {
    // Active ones from memory first: a move the database refused is held there, not yet stored.
    const open = new Map([...this.activeByEpisode.values()].filter((a) => a.site === site && (device === undefined || a.device === device)).map((a) => [a.id, a]));
    for (const a of this.repo.openOf(site, device)) if (!open.has(a.id)) open.set(a.id, this.saves.latest(a.id) ?? a);
    return [...open.values()].filter(isOpen);
  }

  /**
   * Shelves an active, non-red alarm until `untilMs` (at most alarms.shelveMaxH from now), with a
   * reason. Readings and moves are still recorded, and a red condition still stops work: only the
   * roster is spared (suppress). Undefined when no such alarm exists.
   */
  shelve(id: string, by: string, reason: string, untilMs: number): Outcome | undefined {
    return this.act(id, (alarm, atMs) => shelveAlarm(alarm, { by, reason, untilMs, atMs, maxMs: this.shelveMaxMs }));
  }

  unshelve(id: string, by: string, note?: string): Outcome | undefined {
    return this.act(id, (alarm, atMs) => unshelveAlarm(alarm, by, atMs, note ?? 'unshelved by an officer'));
  }

  private act(id: string, move: (alarm: Alarm, atMs: number) => Outcome): Outcome | undefined {
    const alarm = this.get(id);
    if (!alarm) return undefined;
    const outcome = move(alarm, this.clock());
    if (outcome.rejected) return outcome;
    this.persist(outcome.next, outcome.events, true);
    return outcome;
  }

  /**
   * Saves a move, keeps the in-memory views in step, then tells observers. A move the database
   * refuses (disk full, I/O error) is held and saved again on every tick: the detection engine
   * has already moved the sensor's level and will not report it again, so a move dropped here
   * would be an alarm never stored nor notified. The in-memory views move on all the same, so
   * the alarm is seen live, keeps its id (a stop-work order names it) and is not raised twice.
   * An officer's act is the exception (`byOfficer`): it throws, so the officer is told that it
   * did not take, rather than shown an acknowledgement that a crash would forget.
   */
  private persist(alarm: Alarm, events: readonly AlarmEvent[], byOfficer = false, stopWork?: StopWorkNotice): void {
    const around = this.surroundings(alarm);
    const report = this.saves.save({ alarm, events, surroundings: stopWork ? { ...around, stopWork } : around }, byOfficer);
    this.remember(alarm);
    for (const event of events) this.events.emit('alarm', { alarm, event });
    report();
  }

  /** Called every second (ReadingPipeline.tick): saves the held moves again (alarm-saver.ts). */
  retryPendingSaves(nowMs: number): void {
    this.saves.retry(nowMs);
  }

  /** How many alarms have moves waiting for the database. */
  heldSaves(): number {
    return this.saves.size;
  }

  /** Keeps the in-memory views in step with a move (saved or held). */
  private remember(alarm: Alarm): void {
    const key = episodeKey(alarm);
    const active = alarm.state === 'active_unacked' || alarm.state === 'active_acked';
    if (active) this.activeByEpisode.set(key, alarm);
    else if (this.activeByEpisode.get(key)?.id === alarm.id) this.activeByEpisode.delete(key);
    if (alarm.shelvedUntilMs !== null) this.shelfUntil.set(alarm.id, alarm.shelvedUntilMs);
    else this.shelfUntil.delete(alarm.id);
  }

  /** An alarm by id, as held now (active, or waiting to be saved) or as stored. */
  get(id: string): Alarm | undefined {
    return this.activeFor(id) ?? this.saves.latest(id) ?? this.repo.get(id);
  }

  private activeFor(id: string): Alarm | undefined {
    for (const alarm of this.activeByEpisode.values()) if (alarm.id === id) return alarm;
    return undefined;
  }

  // ---- notification suppression -------------------------------------------------------------
  /** Why the roster should not hear of this move, or null to tell it. Red is never suppressed: it stops work. */
  suppressReason(alarm: Alarm, atMs = this.clock()): SuppressReason | null {
    return suppressReason(alarm, atMs, this.surroundings(alarm, atMs));
  }

  /** Whether the roster would be spared this alarm now (the notifier's policy, suppression.ts). */
  suppress(alarm: Alarm): boolean {
    return this.suppressReason(alarm) !== null;
  }

  /** Maintenance and flood around the alarm: saved with each move for the notifier's policy. */
  surroundings(alarm: Alarm, atMs = this.clock()): AlarmSurroundings {
    const spell = this.outOfService.covering(alarm.site, alarm.device, atMs);
    return { outOfService: spell ? (spell.device === null ? 'site' : 'device') : null, inFlood: !isFloodAlarm(alarm) && this.floods.inFlood(alarm.site) };
  }

  // ---- out of service ------------------------------------------------------------------------
  putOutOfService(input: OutOfServiceInput): OutOfServiceOutcome {
    return this.outOfService.set(input);
  }

  returnToService(id: string, by: string, note?: string): OutOfServiceOutcome | undefined {
    return this.outOfService.end(id, by, note);
  }

  listOutOfService(filter: { site?: string; includeEnded?: boolean; limit?: number } = {}): OutOfService[] {
    return this.outOfService.list(filter);
  }

  /** The pipeline asks before a stop-work order: only a whole site under maintenance withholds it. */
  siteOutOfService(site: string): boolean {
    return this.outOfService.siteOutOfService(site);
  }

  // ---- flood ---------------------------------------------------------------------------------
  /** Counts a new alarm towards its site's flood; true when the flood alarm must move. */
  private countForFlood(alarm: Alarm, now: number): boolean {
    // An alarm the roster would not hear of anyway (device or site under maintenance) does not
    // load the operator, so it does not count towards a flood.
    if (this.outOfService.covering(alarm.site, alarm.device, now)) return false;
    return this.floods.count(alarm, now);
  }

  /** Raises the site's flood alarm, or raises its level to the highest among the flood's alarms. */
  private moveFloodAlarm(site: string, now: number): void {
    const outcome = this.floods.move(site, this.activeByEpisode.get(floodKey(site)), now);
    if (outcome && !outcome.rejected && outcome.events.length > 0) this.persist(outcome.next, outcome.events);
  }

  /** A site quiet for a whole window leaves the flood; its alarm clears with the flood's count. */
  private endFloods(nowMs: number): void {
    this.floods.endFloods(nowMs, (site, count) => {
      const current = this.activeByEpisode.get(floodKey(site));
      if (!current) return;
      const outcome = applyLevel(current, null, count, nowMs);
      if (outcome.rejected) return;
      this.log.info({ site, alarms: count, floodMs: nowMs - current.raisedAtMs }, 'alarm flood over');
      this.persist(outcome.next, outcome.events);
    });
  }

  /** Whether the site is in an alarm flood now. */
  inFlood(site: string): boolean {
    return this.floods.inFlood(site);
  }

  // ---- metrics -------------------------------------------------------------------------------
  /** Alarm-system metrics per site and local day (metrics.ts), with the configured time zones. */
  metrics(query: { fromMs: number; toMs: number; site?: string; scope?: Scope }): AlarmSystemMetrics {
    const configured = this.sites.siteIds();
    const within = query.scope === undefined || query.scope.kind === 'all' ? null : new Set(this.repo.sitesWithin(query.scope));
    return alarmSystemMetrics(this.repo, {
      ...query,
      sites: within === null ? configured : configured.filter((s) => within.has(s)),
      timeZoneOf: (site) => this.sites.timeZone(site) ?? 'Asia/Shanghai',
      floodAlarms: this.floods.policy.alarms,
    });
  }
}
