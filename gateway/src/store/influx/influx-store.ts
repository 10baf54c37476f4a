// The InfluxDB time-series store: ships journal rows (the durable spool) to InfluxDB by its own
// cursor, in batches of `batchRows` rows that wait up to `lingerMs` to fill; the cursor moves only
// after a 2xx. While InfluxDB is away it backs off exponentially with jitter (drainOnce then
// returns at once: no spinning, no long block). Refused points go to a reject file and a counter;
// when the unshipped backlog passes `spoolMaxRows` the oldest rows are skipped ("keep the newest"),
// counted and reported through `onSpoolOverflow`. Alarm transitions ship the same way from state.db.

import type { Logger } from '../../log.js';
import type { Db } from '../sqlite.js';
import type { HistoryPoint, HistoryQuery, TelemetryStore } from '../telemetry-store.js';
import { AlarmEventSource } from './alarm-events.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { InfluxRejected } from './errors.js';
import { historyInfluxQl, historyPoints } from './history-query.js';
import { alarmEventLine, LineProtocolError, readingLine } from './line-protocol.js';
import { appendRejects, type RejectedPoint } from './reject-file.js';
import { ship } from './shipper.js';
import { Spool, type SpoolRow } from './spool.js';
import { quoteLiteral, type InfluxWriter } from './writer.js';

export const SINK = 'influx';
export const ALARM_SINK = 'influx-alarm';

export type QuantityOf = (site: string, device: string, channel: string) => string | undefined;

export interface InfluxStoreOptions {
  readonly writer: InfluxWriter;
  readonly journalDb: Db;
  /** Alarm transitions are shipped too when the state database is given. */
  readonly stateDb?: Db;
  readonly quantityOf: QuantityOf;
  readonly batchRows: number;
  readonly lingerMs: number;
  readonly retry: BackoffPolicy;
  /** Unshipped journal rows kept at most; past it the oldest are skipped. */
  readonly spoolMaxRows: number;
  readonly rejectFile: string;
  readonly clock: () => number;
  readonly log: Logger;
  readonly random?: () => number;
  /** Rows skipped by the spool bound just now and in all; runtime turns it into an admin alarm. */
  readonly onSpoolOverflow?: (dropped: number, totalDropped: number) => void;
  /** Points InfluxDB refused just now and in all. */
  readonly onRejected?: (count: number, totalRejected: number) => void;
}

export interface InfluxStoreStats {
  shippedRows: number;
  shippedPoints: number;
  shippedAlarmEvents: number;
  requests: number;
  failures: number;
  /** Rows skipped by the spool bound, persisted across restarts. */
  dropped: number;
  /** Points refused by InfluxDB (4xx) and written to the reject file, persisted. */
  rejected: number;
}

/** Journal rows read and encoded, ready to send. */
interface EncodedBatch {
  /** The cursor the batch follows: it is sent only when the store's cursor is still there. */
  readonly after: number;
  readonly rows: number;
  readonly lastId: number;
  readonly firstReceivedMs: number;
  readonly lines: string[];
  readonly sources: number[];
  readonly rejects: RejectedPoint[];
}

/** Backlog above this share of `spoolMaxRows` counts as high (backlogHigh). */
const HIGH_WATER = 0.8;

export class InfluxTelemetryStore implements TelemetryStore {
  readonly kind = 'influx' as const;
  private readonly spool: Spool;
  private readonly alarms: AlarmEventSource | null;
  private last: number;
  private alarmLast: number;
  private retryAt = 0;
  private attempt = 0;
  private outageSinceMs: number | null = null;
  private busy: Promise<unknown> = Promise.resolve();
  private lingerOff = false;
  private prepared = false;
  private ahead: EncodedBatch | null = null;
  readonly stats: InfluxStoreStats;

  constructor(private readonly o: InfluxStoreOptions) {
    this.spool = new Spool(o.journalDb, SINK);
    this.last = this.spool.cursor();
    this.alarmLast = this.spool.cursor(ALARM_SINK);
    this.alarms = o.stateDb ? new AlarmEventSource(o.stateDb) : null;
    const saved = this.spool.stats();
    this.stats = { shippedRows: 0, shippedPoints: 0, shippedAlarmEvents: 0, requests: 0, failures: 0, dropped: saved.dropped, rejected: saved.rejected };
  }

  /** Creates the database (1.x) or DBRP mapping (2.x); a failure is logged, writes retry later. */
  async prepare(): Promise<void> {
    try {
      await this.o.writer.prepare();
      this.prepared = true;
    } catch (err) {
      this.prepared = false;
      this.o.log.warn({ err }, 'InfluxDB not prepared yet (database / DBRP mapping); writes will retry');
    }
  }

  cursor(): number {
    return this.last;
  }

  /** Journal rows not yet shipped. */
  spoolDepth(): number {
    return Math.max(0, this.spool.newestId() - this.last);
  }

  /** Age of the oldest unshipped row (0 when none). */
  spoolAgeMs(): number {
    const oldest = this.spool.oldestReceivedMs(this.last);
    return oldest === null ? 0 : Math.max(0, this.o.clock() - oldest);
  }

  /** True while the backlog is near the spool bound: the ingress may slow its intake. */
  backlogHigh(): boolean {
    return this.spoolDepth() >= this.o.spoolMaxRows * HIGH_WATER;
  }

  spoolStatus(): { depth: number; ageMs: number } {
    return { depth: this.spoolDepth(), ageMs: this.spoolAgeMs() };
  }

  backlog(): { high: boolean; dropped: number } {
    return { high: this.backlogHigh(), dropped: this.stats.dropped };
  }

  /** True while InfluxDB is unreachable and the store is backing off. */
  get outage(): boolean {
    return this.outageSinceMs !== null;
  }

  drainOnce(maxRows: number): Promise<number> {
    // One drain at a time: flush() and the drain loop may both call in.
    const run = this.busy.then(() => this.drainStep(maxRows));
    this.busy = run.catch(() => undefined);
    return run;
  }

  async flush(): Promise<void> {
    this.lingerOff = true;
    this.retryAt = 0;
    try {
      while ((await this.drainOnce(this.o.batchRows)) > 0) {
        // until caught up, or until InfluxDB fails (then the drain loop keeps trying)
      }
    } finally {
      this.lingerOff = false;
    }
  }

  /** Ships what is left; not again while InfluxDB is out (the drain loop's last flush just met
   * the outage, and a second try would only add a timeout to the shutdown). */
  async close(): Promise<void> {
    if (!this.outage) await this.flush();
  }

  async history(q: HistoryQuery): Promise<HistoryPoint[]> {
    const raw = q.every === undefined || q.every === 'raw';
    return historyPoints(await this.o.writer.query(historyInfluxQl(q)), raw);
  }

  /** Messages in InfluxDB: distinct seq per device (one message is one point per channel). */
  async countMessages(filter: { site?: string; device?: string } = {}): Promise<number> {
    const where = [filter.site ? `site = ${quoteLiteral(filter.site)}` : '', filter.device ? `device = ${quoteLiteral(filter.device)}` : ''].filter(Boolean);
    const series = await this.o.writer.query(`SELECT count(distinct(seq)) FROM reading ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY site, device`);
    return series.reduce((sum, s) => sum + Number(s.values[0]?.[1] ?? 0), 0);
  }

  private async drainStep(maxRows: number): Promise<number> {
    const now = this.o.clock();
    this.enforceBound();
    if (now < this.retryAt) {
      this.ahead = null;
      return 0;
    }
    const limit = Math.min(maxRows, this.o.batchRows);
    // A batch read ahead during the previous request is used only if it starts at the cursor.
    const ready = this.ahead;
    this.ahead = null;
    const batch = ready && ready.after === this.last && ready.rows <= limit ? ready : this.readBatch(this.last, limit);
    const lingering = batch !== null && batch.rows < this.o.batchRows && !this.lingerOff && now - batch.firstReceivedMs < this.o.lingerMs;
    if (batch === null || lingering) {
      await this.shipAlarmEvents();
      return 0;
    }
    const sending = this.send(batch.lines, batch.sources, batch.rejects);
    if (batch.rows === limit) {
      // Read and encode the next batch while InfluxDB works on this one (its CPU, not ours):
      // yield first so the request leaves before this synchronous work starts.
      await new Promise((r) => setImmediate(r));
      this.ahead = this.readBatch(batch.lastId, limit);
    }
    if (!(await sending)) {
      this.ahead = null;
      return 0;
    }
    this.last = batch.lastId;
    this.spool.saveCursor(this.last);
    this.stats.shippedRows += batch.rows;
    this.stats.shippedPoints += batch.lines.length;
    await this.shipAlarmEvents();
    return batch.rows;
  }

  private readBatch(after: number, limit: number): EncodedBatch | null {
    const rows = this.spool.after(after, limit);
    if (rows.length === 0) return null;
    return { after, rows: rows.length, lastId: rows[rows.length - 1]!.id, firstReceivedMs: rows[0]!.received_ms, ...this.encode(rows) };
  }

  private encode(rows: readonly SpoolRow[]): { lines: string[]; sources: number[]; rejects: RejectedPoint[] } {
    const lines: string[] = [];
    const sources: number[] = [];
    const rejects: RejectedPoint[] = [];
    for (const r of rows) {
      const readings = JSON.parse(r.readings) as Record<string, number>;
      for (const channel in readings) {
        try {
          lines.push(
            readingLine({ site: r.site, device: r.device, channel, quantity: this.o.quantityOf(r.site, r.device, channel) ?? 'unknown', value: readings[channel]!, seq: r.seq, tsMs: r.ts_ms }),
          );
          sources.push(r.id);
        } catch (err) {
          if (!(err instanceof LineProtocolError)) throw err;
          rejects.push({ line: JSON.stringify({ site: r.site, device: r.device, channel, value: readings[channel], seq: r.seq, tsMs: r.ts_ms }), reason: err.message, status: null, journalId: r.id });
        }
      }
    }
    return { lines, sources, rejects };
  }

  /** Ships lines; true when InfluxDB took them (refused points recorded), false when it must wait. */
  private async send(lines: readonly string[], sources: readonly (number | null)[], rejects: RejectedPoint[]): Promise<boolean> {
    try {
      const result = await ship(this.o.writer, lines);
      this.stats.requests += result.requests;
      for (const r of result.refused) rejects.push({ line: lines[r.index]!, reason: r.reason, status: r.status, journalId: sources[r.index] ?? null });
    } catch (err) {
      this.failed(err);
      return false;
    }
    this.recovered();
    this.recordRejects(rejects);
    return true;
  }

  private async shipAlarmEvents(): Promise<void> {
    if (!this.alarms || this.o.clock() < this.retryAt) return;
    const events = this.alarms.after(this.alarmLast, this.o.batchRows);
    if (events.length === 0) return;
    const lines: string[] = [];
    const rejects: RejectedPoint[] = [];
    for (const e of events) {
      try {
        lines.push(alarmEventLine(e));
      } catch (err) {
        if (!(err instanceof LineProtocolError)) throw err;
        rejects.push({ line: JSON.stringify(e), reason: err.message, status: null, journalId: null });
      }
    }
    if (!(await this.send(lines, lines.map(() => null), rejects))) return;
    this.alarmLast = events[events.length - 1]!.eventId;
    this.spool.saveCursor(this.alarmLast, ALARM_SINK);
    this.stats.shippedAlarmEvents += lines.length;
  }

  private enforceBound(): void {
    const { cursor, dropped } = this.spool.skipOldest(this.last, this.o.spoolMaxRows);
    if (dropped === 0) return;
    this.last = cursor;
    this.stats.dropped += dropped;
    this.o.log.error(
      { dropped, totalDropped: this.stats.dropped, spoolMaxRows: this.o.spoolMaxRows, cursor },
      'InfluxDB spool full: the oldest unshipped readings were skipped (policy: keep the newest); they stay in the journal until pruned',
    );
    this.o.onSpoolOverflow?.(dropped, this.stats.dropped);
  }

  private recordRejects(rejects: readonly RejectedPoint[]): void {
    if (rejects.length === 0) return;
    appendRejects(this.o.rejectFile, this.o.clock(), rejects);
    this.spool.addCounts({ rejected: rejects.length });
    this.stats.rejected += rejects.length;
    this.o.log.error({ rejected: rejects.length, totalRejected: this.stats.rejected, file: this.o.rejectFile, reason: rejects[0]!.reason }, 'InfluxDB refused points: written to the reject file, not retried');
    this.o.onRejected?.(rejects.length, this.stats.rejected);
  }

  private failed(err: unknown): void {
    if (err instanceof InfluxRejected || !(err instanceof Error)) throw err;
    const now = this.o.clock();
    this.stats.failures++;
    const delay = backoffDelayMs(this.o.retry, this.attempt++, (this.o.random ?? Math.random)());
    this.retryAt = now + delay;
    if (this.outageSinceMs === null) {
      this.outageSinceMs = now;
      this.o.log.warn({ err, retryInMs: delay }, 'InfluxDB unavailable: readings stay in the journal spool, retrying with backoff');
    } else if (this.attempt % 10 === 0) {
      this.o.log.warn({ err, outageMs: now - this.outageSinceMs, spoolDepth: this.spoolDepth(), retryInMs: delay }, 'InfluxDB still unavailable');
    }
  }

  private recovered(): void {
    if (this.outageSinceMs !== null) {
      this.o.log.info({ outageMs: this.o.clock() - this.outageSinceMs, spoolDepth: this.spoolDepth() }, 'InfluxDB reachable again; shipping the backlog');
    }
    this.outageSinceMs = null;
    this.attempt = 0;
    this.retryAt = 0;
    // InfluxDB was away at start: create the database / DBRP mapping now that it answers.
    if (!this.prepared) {
      this.prepared = true;
      void this.prepare();
    }
  }
}
