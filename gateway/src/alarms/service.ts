// Turns level transitions into alarms (one per sensor, rule and episode), persists every move
// with its events, and carries out officers' acknowledgements and rectification sign-offs.

import { randomUUID } from 'node:crypto';
import type { Level } from '../contract/levels.js';
import type { LevelTransition } from '../detect/engine.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import { acknowledge, applyLevel, closeAlarm, raiseAlarm, type Alarm, type AlarmEvent, type Outcome } from './lifecycle.js';
import { ChatterGuard, DEFAULT_CHATTER_POLICY, type ChatterPolicy } from './chattering.js';
import type { AlarmRepository } from './repository.js';

function episodeKey(a: { site: string; device: string; channel: string; ruleId: string }): string {
  return `${a.site}/${a.device}/${a.channel}/${a.ruleId}`;
}

export class AlarmService {
  /** The alarm whose condition is present now, per sensor and rule. */
  private readonly activeByEpisode = new Map<string, Alarm>();

  /** Clears held back from chattering sources until they are stable (ISA-18.2). */
  private readonly heldClears = new Map<string, LevelTransition>();
  private readonly chatter: ChatterGuard;
  /** Alarms already flagged stale (in memory: a restart may flag one again, which is harmless). */
  private readonly staleFlagged = new Set<string>();

  constructor(
    private readonly repo: AlarmRepository,
    private readonly events: EventBus,
    private readonly clock: () => number,
    private readonly log: Logger,
    chatterPolicy: ChatterPolicy = DEFAULT_CHATTER_POLICY,
    /** ISA-18.2: an alarm active longer than this (24 h by default) is a stale alarm, flagged once. */
    private readonly staleAlarmMs: number = 24 * 3_600_000,
  ) {
    this.chatter = new ChatterGuard(chatterPolicy);
    for (const alarm of repo.active()) this.activeByEpisode.set(episodeKey(alarm), alarm);
  }

  /** Active alarms loaded at start; the engine restores its levels from them. */
  activeAlarms(): Alarm[] {
    return [...this.activeByEpisode.values()];
  }

  /** Levels of the site's alarms whose condition is present (a lift is refused on orange or red). */
  activeLevels(site: string, except?: (alarm: Alarm) => boolean): Level[] {
    const levels: Level[] = [];
    for (const alarm of this.activeByEpisode.values()) if (alarm.site === site && !except?.(alarm)) levels.push(alarm.level);
    return levels;
  }

  /** Applies one transition from the detection engine and returns the alarm it moved. */
  onTransition(t: LevelTransition): Alarm | undefined {
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
    let outcome: Outcome;
    if (current === undefined) {
      if (t.to === null) return undefined; // cleared a level no alarm holds (restored cold): nothing to do
      outcome = raiseAlarm({
        id: randomUUID(),
        site: t.site,
        device: t.device,
        channel: t.channel,
        quantity: t.quantity,
        ruleId: t.ruleId,
        level: t.to,
        value: t.value,
        atMs: t.atMs,
      });
    } else {
      outcome = applyLevel(current, t.to, t.value, t.atMs);
      if (outcome.rejected) {
        this.log.error({ alarmId: current.id, rejected: outcome.rejected, to: t.to }, 'transition refused by the alarm lifecycle');
        return current;
      }
    }
    const alarm = outcome.next;
    const events = chattering && !wasChattering ? [...outcome.events, this.chatteringEvent(alarm, now)] : outcome.events;
    this.repo.save(alarm, events);
    if (t.to === null) this.activeByEpisode.delete(key);
    else this.activeByEpisode.set(key, alarm);
    for (const event of events) this.events.emit('alarm', { alarm, event });
    return alarm;
  }

  /** Called every second: flags alarms active too long, lets held clears of quiet sources through. */
  tick(nowMs: number): void {
    this.flagStale(nowMs);
    this.releaseStable(nowMs);
  }

  private flagStale(nowMs: number): void {
    for (const alarm of this.activeByEpisode.values()) {
      if (nowMs - alarm.raisedAtMs < this.staleAlarmMs || this.staleFlagged.has(alarm.id)) continue;
      this.staleFlagged.add(alarm.id);
      const event: AlarmEvent = { alarmId: alarm.id, kind: 'stale_alarm', fromLevel: alarm.level, toLevel: alarm.level, state: alarm.state, value: alarm.value, atMs: nowMs, actor: null, note: `active for more than ${Math.round(this.staleAlarmMs / 3_600_000)} h (ISA-18.2 stale alarm)` };
      this.repo.save(alarm, [event]);
      this.log.warn({ site: alarm.site, device: alarm.device, alarmId: alarm.id }, 'stale alarm: active for too long');
      this.events.emit('alarm', { alarm, event });
    }
  }

  /** Sources quiet long enough let their held clear through. */
  releaseStable(nowMs: number): void {
    for (const key of this.chatter.stable(nowMs)) {
      const held = this.heldClears.get(key);
      this.heldClears.delete(key);
      const current = this.activeByEpisode.get(key);
      if (held === undefined || current === undefined) continue;
      const outcome = applyLevel(current, null, held.value, nowMs);
      if (outcome.rejected) continue;
      this.repo.save(outcome.next, outcome.events);
      this.activeByEpisode.delete(key);
      for (const event of outcome.events) this.events.emit('alarm', { alarm: outcome.next, event });
    }
  }

  private chatteringEvent(alarm: Alarm, atMs: number): AlarmEvent {
    this.log.warn({ site: alarm.site, device: alarm.device, alarmId: alarm.id }, 'chattering sensor: alarm held until stable');
    return { alarmId: alarm.id, kind: 'chattering', fromLevel: alarm.level, toLevel: alarm.level, state: alarm.state, value: alarm.value, atMs, actor: null, note: 'held in alarm until the sensor is stable (ISA-18.2 chattering)' };
  }

  acknowledge(id: string, by: string, note?: string): Outcome | undefined {
    return this.act(id, (alarm, atMs) => acknowledge(alarm, by, atMs, note));
  }

  close(id: string, by: string, note: string): Outcome | undefined {
    return this.act(id, (alarm, atMs) => closeAlarm(alarm, by, note, atMs));
  }

  private act(id: string, move: (alarm: Alarm, atMs: number) => Outcome): Outcome | undefined {
    const alarm = this.activeFor(id) ?? this.repo.get(id);
    if (!alarm) return undefined;
    const outcome = move(alarm, this.clock());
    if (outcome.rejected) return outcome;
    this.repo.save(outcome.next, outcome.events);
    const key = episodeKey(alarm);
    if (this.activeByEpisode.get(key)?.id === id) this.activeByEpisode.set(key, outcome.next);
    for (const event of outcome.events) this.events.emit('alarm', { alarm: outcome.next, event });
    return outcome;
  }

  /** An alarm by id, as held now or as stored. */
  get(id: string): Alarm | undefined {
    return this.activeFor(id) ?? this.repo.get(id);
  }

  private activeFor(id: string): Alarm | undefined {
    for (const alarm of this.activeByEpisode.values()) if (alarm.id === id) return alarm;
    return undefined;
  }
}
