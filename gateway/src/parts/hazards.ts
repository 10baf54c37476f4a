// The hazard ledger (隐患台账) as a part: the ledger over state.db, with the fleet telling it each
// site's region and wall clock at the moment a hazard is registered, and the deadline watch that
// reminds, escalates overdue hazards and asks for stop-work decisions through the notifier, and the
// feeds that enter what alarms, stop-work orders and the fleet's replace-by days find.

import type { AuditTrail } from '../audit/audit-trail.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/sqlite.js';
import type { Fleet } from '../registry/fleet.js';
import type { Notifier } from '../notify/notifier.js';
import type { OrderRepository } from '../orders/repository.js';
import { HazardRepository } from '../hazards/repository.js';
import { HazardLedger } from '../hazards/ledger.js';
import { HazardDeadlineWatch } from '../hazards/deadline-watch.js';
import { HazardFeeds } from '../hazards/feeds.js';
import type { EventBus } from '../events.js';
import type { AlarmRepository } from '../alarms/repository.js';
import type { DueReplacements } from '../registry/fleet.js';
import type { Part } from './part.js';

export interface HazardsPart extends Part {
  readonly ledger: HazardLedger;
  readonly repo: HazardRepository;
  readonly watch: HazardDeadlineWatch;
  readonly feeds: HazardFeeds;
}

export interface HazardsPartDeps {
  readonly stateDb: Db;
  readonly fleet: Pick<Fleet, 'site'> & DueReplacements;
  readonly events: EventBus;
  readonly alarmSaves: Pick<AlarmRepository, 'onSave'>;
  readonly audit: AuditTrail;
  readonly notifier: Notifier;
  readonly orders: Pick<OrderRepository, 'latestForSite' | 'list'>;
  readonly clock: () => number;
  readonly log: Logger;
}

/** Built before anything saves an alarm: the feeds hook into the alarms' saves (AlarmRepository.onSave). */
export function hazardsPart(d: HazardsPartDeps): HazardsPart {
  const log = d.log.child({ module: 'hazards' });
  const repo = new HazardRepository(d.stateDb);
  const ledger = new HazardLedger({
    db: d.stateDb,
    repo,
    audit: d.audit,
    clock: d.clock,
    log,
    site: (id) => {
      const s = d.fleet.site(id);
      return s === undefined ? undefined : { region: s.region ?? null, timeZone: s.timezone };
    },
  });
  const watch = new HazardDeadlineWatch({
    db: d.stateDb,
    repo,
    notifier: d.notifier,
    siteName: (id) => d.fleet.site(id)?.name ?? id,
    orderInForce: (site) => d.orders.latestForSite(site)?.state === 'active',
    clock: d.clock,
    log,
  });
  const feeds = new HazardFeeds({ alarmSaves: d.alarmSaves, ledger, repo, events: d.events, orders: d.orders, fleet: d.fleet, clock: d.clock, log });
  return {
    name: 'hazards',
    ledger,
    repo,
    watch,
    feeds,
    start: () => {
      feeds.start();
      watch.start();
    },
    stop: () => {
      watch.stop();
      feeds.stop();
    },
  };
}
