// Where every reading ends up for history: embedded SQLite by default, InfluxDB in production
// (issue 4). Stores drain the journal by cursor, off the acknowledgement path, so a slow store
// never holds back a device's PUBACK or the alarm path.

export interface HistoryQuery {
  readonly site: string;
  readonly device: string;
  readonly channel: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly limit: number;
}

export interface HistoryPoint {
  readonly tsMs: number;
  readonly value: number;
  readonly seq: number;
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
}
