// Keeps the spells out of service in force (loaded at start, persisted on every change), ends
// them at expiry, and answers "is this device or site under maintenance now?" on the alarm path.

import { randomUUID } from 'node:crypto';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { OutOfServiceRepository } from './out-of-service-repository.js';
import { coveredBy, endOutOfService, startOutOfService, type OutOfService, type OutOfServiceOutcome } from './out-of-service.js';

export interface OutOfServiceInput {
  site: string;
  /** Absent or null: the whole site. */
  device?: string | null;
  by: string;
  reason: string;
  untilMs: number;
}

export class OutOfServiceRegister {
  private readonly open = new Map<string, OutOfService>();

  constructor(
    private readonly repo: OutOfServiceRepository,
    private readonly events: EventBus,
    private readonly clock: () => number,
    private readonly log: Logger,
    private readonly maxMs: number,
    /** The fleet's sites and devices now; unknown targets are refused. */
    private readonly known?: { knowsSite(site: string): boolean; knowsDevice(site: string, device: string): boolean },
  ) {
    for (const e of repo.open()) this.open.set(e.id, e);
  }

  set(input: OutOfServiceInput): OutOfServiceOutcome {
    const device = input.device ?? null;
    if (this.known) {
      if (!this.known.knowsSite(input.site)) return { ok: false, rejected: 'UNKNOWN_SITE' };
      if (device !== null && !this.known.knowsDevice(input.site, device)) return { ok: false, rejected: 'UNKNOWN_DEVICE' };
    }
    const outcome = startOutOfService({ id: randomUUID(), site: input.site, device, by: input.by, reason: input.reason, untilMs: input.untilMs, atMs: this.clock(), maxMs: this.maxMs }, [...this.open.values()]);
    if (!outcome.ok) return outcome;
    this.repo.save(outcome.entry);
    this.open.set(outcome.entry.id, outcome.entry);
    this.log.warn({ site: input.site, device, by: input.by, untilMs: input.untilMs }, device === null ? 'site out of service: no stop-work order while it lasts' : 'device out of service');
    this.events.emit('outOfService', { entry: outcome.entry, what: 'set' });
    return outcome;
  }

  /** Back in service by an officer; undefined when no such spell exists. */
  end(id: string, by: string, note?: string): OutOfServiceOutcome | undefined {
    const entry = this.open.get(id) ?? this.repo.get(id);
    if (!entry) return undefined;
    return this.finish(entry, by, note ?? null, 'returned');
  }

  /** Ends the spells whose time is up (called from the service's tick). */
  tick(nowMs: number): void {
    for (const entry of [...this.open.values()]) {
      if (nowMs >= entry.untilMs) this.finish(entry, null, 'expired', 'expired', nowMs);
    }
  }

  /** The spell covering this device now (its own, or its site's), if any. */
  covering(site: string, device: string, atMs = this.clock()): OutOfService | undefined {
    return coveredBy(this.open.values(), site, device, atMs);
  }

  siteOutOfService(site: string, atMs = this.clock()): boolean {
    return coveredBy(this.open.values(), site, null, atMs) !== undefined;
  }

  list(filter: { site?: string; includeEnded?: boolean; limit?: number } = {}): OutOfService[] {
    return this.repo.list({ ...filter, limit: filter.limit ?? 100 });
  }

  private finish(entry: OutOfService, by: string | null, note: string | null, what: 'returned' | 'expired', atMs = this.clock()): OutOfServiceOutcome {
    const outcome = endOutOfService(entry, by, atMs, note);
    if (!outcome.ok) return outcome;
    this.repo.save(outcome.entry);
    this.open.delete(entry.id);
    this.log.info({ site: entry.site, device: entry.device, by, what }, 'back in service');
    this.events.emit('outOfService', { entry: outcome.entry, what });
    return outcome;
  }
}
