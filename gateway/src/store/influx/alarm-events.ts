// Alarm transitions for measurement `alarm_event`: state.db `alarm_event` rows joined with their
// alarm, read by id after the sink's own cursor ('influx-alarm' in journal.db sink_cursor).

import type { Db } from '../sqlite.js';
import type { AlarmEventPoint } from './line-protocol.js';

export class AlarmEventSource {
  private readonly next;

  constructor(stateDb: Db) {
    this.next = stateDb.prepare(
      `SELECT e.id AS eventId, e.alarm_id AS alarmId, a.site, a.device, a.channel, a.quantity, a.rule_id AS rule,
              e.kind, coalesce(e.to_level, e.from_level, a.level) AS level, e.from_level AS fromLevel, e.state,
              e.value, e.actor, e.note, e.at_ms AS atMs
       FROM alarm_event e JOIN alarm a ON a.id = e.alarm_id
       WHERE e.id > ? ORDER BY e.id LIMIT ?`,
    );
  }

  after(cursor: number, limit: number): AlarmEventPoint[] {
    return this.next.all(cursor, limit) as AlarmEventPoint[];
  }
}
