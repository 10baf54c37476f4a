// A notifier on a real state database in a temp directory, with the alarm service that drives
// it: what the outbox, delivery, escalation and briefing tests share.

import { AlarmRepository } from '../../../gateway/src/alarms/repository.js';
import { AlarmService } from '../../../gateway/src/alarms/service.js';
import type { Alarm } from '../../../gateway/src/alarms/lifecycle.js';
import { notifySchema, type NotifyConfigInput } from '../../../gateway/src/config/notify-schema.js';
import type { Level } from '../../../gateway/src/contract/levels.js';
import { levelTransition } from '../../support/transitions.js';
import { EventBus } from '../../../gateway/src/events.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { Notifier, type NotifierOptions } from '../../../gateway/src/notify/notifier.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { openStateDb } from '../../../gateway/src/store/state-db.js';

export const SITE = 'kitchen-01';
export const SITES = [
  { id: SITE, name: '示范餐馆后厨', timezone: 'Asia/Shanghai' },
  { id: 'kitchen-02', name: '城北餐馆', timezone: 'Asia/Shanghai' },
];

/** Everyone on duty around the clock: 张 (duty), 王 (shift leader), 赵 (leader on call). */
export function rosterInput(channels: NotifyConfigInput['channels'], contacts: Record<'zhang' | 'wang' | 'zhao', { channel: string; to?: string }[]>): NotifyConfigInput {
  return {
    channels,
    roster: {
      people: {
        zhang: { name: '张值班', contacts: contacts.zhang },
        wang: { name: '王班长', contacts: contacts.wang },
        zhao: { name: '赵领导', contacts: contacts.zhao },
      },
      shifts: [{ id: 'all-day', start: '00:00', end: '00:00', duty: ['zhang'], leader: ['wang'], onCall: ['zhao'] }],
    },
  };
}

export interface Harness {
  db: Db;
  repo: AlarmRepository;
  alarms: AlarmService;
  notifier: Notifier;
  /** A detector's level move, as the detection engine would hand it over. */
  move(device: string, from: Level | null, to: Level | null, value: number, channel?: string): Alarm | undefined;
  close(): void;
}

export function openHarness(dataDir: string, input: NotifyConfigInput, clock: () => number, extra: Partial<NotifierOptions> = {}): Harness {
  const db = openStateDb(dataDir);
  const repo = new AlarmRepository(db);
  const log = silentLogger();
  const notifier = new Notifier({ db, alarmRepo: repo, notify: notifySchema.parse(input), sites: SITES, clock, log, ...extra });
  const alarms = new AlarmService({ repo, events: new EventBus(log), clock, log });
  return {
    db,
    repo,
    alarms,
    notifier,
    move(device, from, to, value, channel = 'ch4') {
      const t = levelTransition({ site: SITE, device, channel, quantity: 'methane_lel', ruleId: 'methane', from, to, value, atMs: clock(), stopWork: false });
      return alarms.onTransition(t);
    },
    close() {
      notifier.abandon();
      if (db.open) db.close();
    },
  };
}

export function eventIds(db: Db, alarmId: string): { id: number; kind: string }[] {
  return db.prepare('SELECT id, kind FROM alarm_event WHERE alarm_id = ? ORDER BY id').all(alarmId) as { id: number; kind: string }[];
}
