// /metrics in Prometheus format from its own prom-client Registry (never the global one, so two
// apps in one test process do not collide). Readings in and rejected come from the EventBus.
//
// Detection latency: the bus carries no receipt time, and `reading` is emitted after detection
// has run, so what is measured honestly is the time from the reading's own timestamp (set by
// the device) to the moment its alarm event reaches the bus. It includes the device's clock
// offset (bounded by ingest.maxFutureS) and the network; a negative offset counts as 0.

import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus } from '../../gateway/src/events.js';
import type { AlarmKind } from '../../gateway/src/contract/alarm-kind.js';
import type { ApiDeps } from './deps.js';
import type { AlarmList } from '../../gateway/src/alarms/alarm-list.js';
import type { StreamHub } from './stream.js';

/** The kinds a configured rule raises from a reading, whose event time is the reading's own. The
 * others (silence, faults, actuators, the gateway's own, floods) carry the gateway's time. */
const FROM_A_READING: ReadonlySet<AlarmKind> = new Set<AlarmKind>(['threshold', 'rate', 'dose']);

export interface ApiMetrics {
  readonly registry: Registry;
  detach(): void;
}

export function createMetrics(deps: ApiDeps, query: AlarmList, hub: StreamHub, clock: () => number): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shaobing_' });
  const readings = new Counter({ name: 'shaobing_readings_total', help: 'Telemetry messages taken in and processed', registers: [registry] });
  const rejected = new Counter({ name: 'shaobing_readings_rejected_total', help: 'Telemetry messages rejected (dead-lettered), by reason', labelNames: ['reason'], registers: [registry] });
  const latency = new Histogram({
    name: 'shaobing_detection_latency_seconds',
    help: 'From a reading\'s device timestamp to its alarm event (raised or escalated) on the gateway; includes device clock offset and network',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'shaobing_alarms_active',
    help: 'Alarms whose condition is present, by current level',
    labelNames: ['level'],
    registers: [registry],
    collect() {
      this.reset();
      for (const level of ['blue', 'yellow', 'orange', 'red']) this.set({ level }, 0);
      for (const r of query.activeByLevel()) this.set({ level: r.level }, r.n);
    },
  });
  new Gauge({
    name: 'shaobing_stream_clients',
    help: 'Open live-stream (SSE) connections',
    registers: [registry],
    collect() {
      this.set(hub.stats().clients);
    },
  });
  new Gauge({
    name: 'shaobing_stream_dropped_clients',
    help: 'Live-stream clients dropped for reading too slowly, since start',
    registers: [registry],
    collect() {
      this.set(hub.dropped);
    },
  });
  if (deps.spool) {
    const spool = deps.spool;
    new Gauge({ name: 'shaobing_spool_depth', help: 'Readings waiting in the spool for the time-series store', registers: [registry], collect() { this.set(spool().depth); } });
    new Gauge({ name: 'shaobing_spool_age_seconds', help: 'Age of the oldest reading waiting in the spool', registers: [registry], collect() { this.set(spool().ageMs / 1000); } });
  }
  if (deps.notifications) {
    const notifications = deps.notifications;
    new Gauge({
      name: 'shaobing_notifications',
      help: 'Notification outcomes since start (sent, failed, retried) and the outbox backlog (pending)',
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        const n = notifications();
        for (const outcome of ['sent', 'failed', 'retried', 'pending'] as const) this.set({ outcome }, n[outcome]);
      },
    });
  }

  if (deps.broker) {
    const broker = deps.broker;
    new Gauge({
      name: 'shaobing_broker_logins',
      help: 'Embedded broker since start: client-id takeovers refused, password checks (scrypt) run, logins let in by a remembered digest, checks waiting for a slot',
      labelNames: ['what'],
      registers: [registry],
      collect() {
        const b = broker();
        this.set({ what: 'takeovers_refused' }, b.takeoversRefused);
        this.set({ what: 'scrypt_runs' }, b.scryptRuns);
        this.set({ what: 'digest_hits' }, b.digestHits);
        this.set({ what: 'scrypt_queued' }, b.scryptQueued);
      },
    });
  }

  const off: (() => void)[] = [];
  const events: EventBus | undefined = deps.events;
  if (events) {
    off.push(
      events.on('reading', () => readings.inc()),
      events.on('rejected', ({ reason }) => rejected.inc({ reason })),
      events.on('alarm', ({ alarm, event }) => {
        // Only moves that detection made from a reading: an ack, a silence (timer), an actuator
        // that did not confirm or a gateway alarm is not a detection, and carries the gateway's
        // time, not a reading's. The alarm's kind says which it is, whatever its rule is called.
        if (event.kind !== 'raised' && event.kind !== 'escalated') return;
        if (!FROM_A_READING.has(alarm.kind)) return;
        latency.observe(Math.max(0, clock() - event.atMs) / 1000);
      }),
    );
  }
  return { registry, detach: () => off.forEach((f) => f()) };
}

export function metricsRoute(metrics: ApiMetrics) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/metrics', { config: { rateLimit: false }, schema: { hide: true } }, async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  };
}
