// The message path as parts: the ingress (embedded broker or a client of one) hands each message
// to the intake, which journals it and passes it to the reading pipeline (detection → alarms →
// stop-work interlock); device statuses and the 1 s health tick feed the same pipeline.

import type { Config } from '../config/schema.js';
import type { Topics } from '../contract/topics.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/sqlite.js';
import type { TelemetryStore } from '../store/telemetry-store.js';
import type { Journal } from '../ingest/journal.js';
import type { Ingress } from '../ingest/ingress.js';
import { SeqDedup } from '../ingest/dedup.js';
import { Intake } from '../ingest/intake.js';
import { trackDeviceStatus } from '../ingest/status.js';
import type { AlarmService } from '../alarms/service.js';
import type { SystemAlarms } from '../alarms/system-alarms.js';
import type { OrderRepository } from '../orders/repository.js';
import { Interlock } from '../orders/interlock.js';
import { ActuatorBook } from '../orders/actuator-book.js';
import { ReadingPipeline } from '../pipeline.js';
import type { Detection } from './alarms.js';
import type { Part } from './part.js';

export interface Common {
  readonly config: Config;
  readonly topics: Topics;
  readonly events: EventBus;
  readonly clock: () => number;
  readonly log: Logger;
}

/** Stop-work orders (停产停工) and the commands that close valves; built before the ingress
 * starts, started after it (it subscribes to acks and republishes the open orders). */
export function interlockFor(c: Common, orders: OrderRepository, alarms: AlarmService, ingress: Ingress): Interlock {
  return new Interlock({
    repo: orders,
    alarms,
    ingress,
    topics: c.topics,
    actuators: new ActuatorBook(c.config.sites),
    policy: c.config.orders,
    clock: c.clock,
    events: c.events,
    log: c.log.child({ module: 'orders' }),
  });
}

export function pipelineFor(c: Common, detection: Detection, alarms: AlarmService, interlock: Interlock): ReadingPipeline {
  return new ReadingPipeline(detection.profiles, detection.engine, alarms, interlock, detection.health, detection.voting, c.events, c.clock, c.log.child({ module: 'pipeline' }));
}

export function intakeFor(c: Common, journal: Journal, path: ReadingPipeline): Intake {
  const { config, events } = c;
  return new Intake({
    topics: c.topics,
    journal,
    // An external broker can deliver a device's readings out of order: the members of its shared
    // subscription each have a queue, and so does a former member being retired at start
    // (ingest/mqtt-ingress.ts). A reading far behind its device's newest is late, not a duplicate.
    dedup: new SeqDedup({ lateBeyondWindow: config.broker.mode === 'external' }),
    limits: { maxFutureMs: config.ingest.maxFutureS * 1000, maxAgeMs: config.ingest.maxAgeS * 1000 },
    clock: c.clock,
    log: c.log.child({ module: 'intake' }),
    onTelemetry: (ref, t) => path.handle(ref, t),
    onRejected: (ref, reason, detail) => events.emit('rejected', { ref, reason, detail }),
    reorderWindowMs: config.broker.mode === 'external' ? config.broker.reorderWindowMs : 0,
  });
}

export function ingressPart(ingress: Ingress, intake: Intake, journal: Journal): Part {
  return {
    name: 'ingress',
    start: () => ingress.start(intake),
    stop: async () => {
      // Readings held for the ones they overtook (ingest/device-order.ts) go to detection now,
      // while a stop-work command they cause can still be published.
      intake.order?.flushAll();
      // Commit what is pending while the connections are up, so its PUBACKs still go out and
      // the broker does not redeliver it on the next start.
      journal.flush();
      await ingress.stop();
      intake.stop();
    },
    healthy: () => ingress.isReady(),
  };
}

export function interlockPart(interlock: Interlock): Part {
  return { name: 'interlock', start: () => interlock.start(), stop: () => interlock.stop() };
}

/**
 * Device births and last wills, then the actuator positions the interlock reads from the same
 * topic, in that order: the external-broker ingress hands the retained statuses it held at
 * connect to the handler registered first, and the status tracker must not miss an offline will.
 */
export function deviceStatusPart(c: Common, stateDb: Db, ingress: Ingress, path: ReadingPipeline, interlock: Interlock): Part {
  return {
    name: 'device status',
    start: async () => {
      await trackDeviceStatus(stateDb, ingress, c.topics, c.events, c.clock, c.log.child({ module: 'status' }), (ref, state, atMs) => path.deviceStatus(ref, state, atMs));
      await interlock.watchPositions();
    },
  };
}

/** Once a second: silence and stuck sensors, held alarm saves, and the end of a spool overflow. */
export function healthTick(c: Common, path: ReadingPipeline, store: TelemetryStore, system: SystemAlarms): Part {
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'health tick',
    start: () => {
      timer = setInterval(() => {
        try {
          path.tick(c.clock());
          // The overflow alarm lasts while the backlog is high; it ends once the store catches up.
          const backlog = store.backlog?.();
          if (backlog && !backlog.high) system.clear('spool', 'spool_overflow', backlog.dropped);
        } catch (err) {
          // A timer that throws would end the process: say it and keep watching.
          c.log.error({ err }, 'sensor-health tick failed');
        }
      }, 1000);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}
