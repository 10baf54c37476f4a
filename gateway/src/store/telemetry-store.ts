// Where every reading ends up for history: embedded SQLite by default, InfluxDB in production
// (issue 4). The journal feeds it; the API and benchmarks read from it.

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
  /** Points of one channel in time order, oldest first. */
  history(query: HistoryQuery): Promise<HistoryPoint[]>;
  /** Messages stored (one message may carry several channels). */
  countMessages(filter?: { site?: string; device?: string }): Promise<number>;
  close(): Promise<void>;
}
