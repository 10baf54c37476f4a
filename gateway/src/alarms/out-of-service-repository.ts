// Spells out of service in the state database (table made by the alarm module's migrations in
// repository.ts). Rows are never deleted: who took what out of service, when and why, is audit.

import type { Db } from '../store/sqlite.js';
import type { OutOfService } from './out-of-service.js';

interface Row {
  id: string;
  site: string;
  device: string | null;
  set_by: string;
  reason: string;
  from_ms: number;
  until_ms: number;
  ended_at_ms: number | null;
  ended_by: string | null;
  end_note: string | null;
}

function fromRow(r: Row): OutOfService {
  return { id: r.id, site: r.site, device: r.device, by: r.set_by, reason: r.reason, fromMs: r.from_ms, untilMs: r.until_ms, endedAtMs: r.ended_at_ms, endedBy: r.ended_by, endNote: r.end_note };
}

export class OutOfServiceRepository {
  private readonly upsert;

  /** The table must exist: AlarmRepository's constructor migrates it before making this. */
  constructor(private readonly db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO out_of_service (id, site, device, set_by, reason, from_ms, until_ms, ended_at_ms, ended_by, end_note)
       VALUES (@id, @site, @device, @by, @reason, @fromMs, @untilMs, @endedAtMs, @endedBy, @endNote)
       ON CONFLICT (id) DO UPDATE SET ended_at_ms = excluded.ended_at_ms, ended_by = excluded.ended_by, end_note = excluded.end_note`,
    );
  }

  save(entry: OutOfService): void {
    this.upsert.run(entry);
  }

  get(id: string): OutOfService | undefined {
    const row = this.db.prepare('SELECT * FROM out_of_service WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Spells not yet ended (some may be past their expiry until the next tick ends them). */
  open(): OutOfService[] {
    return (this.db.prepare('SELECT * FROM out_of_service WHERE ended_at_ms IS NULL ORDER BY from_ms').all() as Row[]).map(fromRow);
  }

  /** Newest first; ended spells too when `includeEnded`. */
  list(filter: { site?: string; includeEnded?: boolean; limit: number }): OutOfService[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM out_of_service WHERE (@site IS NULL OR site = @site) AND (@all = 1 OR ended_at_ms IS NULL)
         ORDER BY from_ms DESC, id LIMIT @limit`,
      )
      .all({ site: filter.site ?? null, all: filter.includeEnded ? 1 : 0, limit: filter.limit }) as Row[];
    return rows.map(fromRow);
  }
}
