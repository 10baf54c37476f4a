// Where every reading ends up for history: embedded SQLite by default, InfluxDB in production
// (README.md, InfluxDB). Stores drain the journal by cursor, off the acknowledgement path, so a
// slow store never holds back a device's PUBACK or the alarm path.

export interface HistoryQuery {
  readonly site: string;
  readonly device: string;
  readonly channel: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly limit: number;
  /** Raw points (default) or time buckets aligned to the epoch, one point per non-empty bucket. */
  readonly every?: HistoryEvery;
  /** How a bucket's points become one value (default mean). */
  readonly agg?: HistoryAgg;
}

export const HISTORY_EVERY = ['raw', '10s', '1m', '1h'] as const;
export type HistoryEvery = (typeof HISTORY_EVERY)[number];
export const HISTORY_AGG = ['mean', 'min', 'max', 'last'] as const;
export type HistoryAgg = (typeof HISTORY_AGG)[number];

export interface HistoryPoint {
  readonly tsMs: number;
  readonly value: number;
  /** The reading's seq; for a bucket, the largest seq in it. */
  readonly seq: number;
  /** For a bucket: how many readings it holds. */
  readonly count?: number;
}

export interface TelemetryStore {
  readonly kind: 'sqlite' | 'influx';
  /** Moves up to `maxRows` journal rows into the store; returns how many it moved. */
  drainOnce(maxRows: number): Promise<number>;
  /** Drains until the store has caught up with everything committed so far. */
  flush(): Promise<void>;
  /** The last journal row id the store holds. */
  cursor(): number;
  /** Points of one channel in time order, oldest first. */
  history(query: HistoryQuery): Promise<HistoryPoint[]>;
  /** Messages stored (one message may carry several channels). */
  countMessages(filter?: { site?: string; device?: string }): Promise<number>;
  close(): Promise<void>;
  /** Periodic housekeeping (retention), run by the drain loop; `nowMs` from the injected clock. */
  maintain?(nowMs: number): void;
  // Capabilities a store may have; the runtime asks for them, never for the store's class.
  /** Readies the store before the first drain (InfluxDB: database or DBRP mapping); a failure is
   * the store's own to log and retry, so the gateway starts without it. */
  prepare?(): Promise<void>;
  /** Journal rows not yet shipped and the age of the oldest, for a store that ships elsewhere. */
  spoolStatus?(): { readonly depth: number; readonly ageMs: number };
  /** Whether that backlog is near its bound, and the rows dropped past the bound so far. */
  backlog?(): { readonly high: boolean; readonly dropped: number };
}
