// The live stream (Server-Sent Events): alarm, order and device events for every client whose scope
// holds the event's site, readings only for the sites a client asked for (and its scope holds).
// An event without a registered site (the gateway's own alarms, `_system`) goes to scope `all`
// only: an officer of one county is not the one to act on the gateway's disk or certificate. Every event gets the next id of the process; alarm, order and
// device events are kept in a bounded ring so a client reconnecting with Last-Event-ID gets each
// one it missed. A client that stops reading is dropped once it leaves too much unread, rather
// than buffered without bound; its EventSource reconnects and resumes from its last id.

import { alarmView } from './alarm-view.js';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EventBus } from '../../gateway/src/events.js';
import type { Logger } from '../../gateway/src/log.js';
import { ID_PATTERN } from '../../gateway/src/contract/ids.js';
import type { Scope } from '../../gateway/src/contract/scope.js';
import type { ScopedSite, ScopeReader } from '../../gateway/src/registry/scope-reader.js';
import { ALL_ONLY_SCOPES } from '../../gateway/src/registry/scope-reader.js';

export type StreamKind = 'alarm' | 'order' | 'device' | 'reading';

interface Frame {
  readonly id: number;
  readonly text: string;
  /** The event's site as the registry held it when the event happened (replays use the same). */
  readonly site: EventSite;
}

/** An event's site: its id, and its organisation and region path when the registry holds it. */
type EventSite = ScopedSite;

interface Client {
  readonly res: ServerResponse;
  readonly sites: ReadonlySet<string>;
  readonly scope: Scope;
  /** The scope as text: clients of one scope share one answer per event. */
  readonly scopeKey: string;
}

export interface StreamOptions {
  /** Events kept for replay (contract: 10 000). */
  readonly replayEvents: number;
  /** Unread bytes after which a client is dropped. */
  readonly maxBufferedBytes: number;
  readonly pingMs: number;
}

export interface StreamStats {
  clients: number;
  dropped: number;
  lastId: number;
}

export class StreamHub {
  private lastId = 0;
  private readonly ring: (Frame | undefined)[];
  private head = 0; // next slot to write
  private size = 0;
  /** Id of the newest frame pushed out of the ring: a client behind it has lost events. */
  private evictedUpTo = 0;
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly pingTimer: NodeJS.Timeout;
  dropped = 0;

  constructor(
    private readonly options: StreamOptions,
    private readonly log: Logger,
    /** The registry's sites and region paths, read at each event (a site moved is streamed to its new region at once). */
    private readonly scopes: ScopeReader = ALL_ONLY_SCOPES,
  ) {
    this.ring = new Array<Frame | undefined>(options.replayEvents);
    this.pingTimer = setInterval(() => this.ping(), options.pingMs);
    this.pingTimer.unref();
  }

  /** Feeds the hub from the gateway's event bus. */
  attach(events: EventBus): void {
    this.unsubscribe.push(
      events.on('alarm', ({ alarm, event }) => this.publish('alarm', { alarm: alarmView(alarm), event }, alarm.site)),
      events.on('order', ({ order, what }) => this.publish('order', { order, what }, order.site)),
      // An actuator's confirmation changes the order's commands: the page shows it.
      events.on('command', ({ order, what }) => this.publish('order', { order, what: `command_${what}` }, order.site)),
      events.on('deviceStatus', ({ ref, state, atMs }) => this.publish('device', { site: ref.site, device: ref.device, state, atMs }, ref.site)),
      events.on('reading', ({ ref, telemetry }) => {
        if (this.wantsSite(ref.site)) this.publish('reading', { site: ref.site, device: ref.device, tsMs: telemetry.tsMs, readings: telemetry.readings }, ref.site);
      }),
    );
  }

  stats(): StreamStats {
    return { clients: this.clients.size, dropped: this.dropped, lastId: this.lastId };
  }

  /** Sends one event of `site` to every client whose scope holds it and that wants it; keeps it
   * for replay unless it is a reading. */
  publish(kind: StreamKind, data: unknown, site: string): number {
    const id = ++this.lastId;
    const text = `id: ${id}\nevent: ${kind}\ndata: ${JSON.stringify(data)}\n\n`;
    const frame: Frame = { id, text, site: this.scopes.site(site) ?? { id: site, org: undefined, regionPath: undefined } };
    if (kind !== 'reading') this.keep(frame);
    this.broadcast(frame, kind === 'reading');
    return id;
  }

  /**
   * Takes over a response: headers, then every kept event after `lastEventId`, then live events.
   * When the events after that id are no longer all kept (buffer overrun, or an id from before a
   * restart), a `reset` event tells the client to reload its lists before following the stream.
   */
  open(res: ServerResponse, sites: ReadonlySet<string>, lastEventId: number | null, scope: Scope): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    if (lastEventId !== null) {
      if (lastEventId < this.evictedUpTo || lastEventId > this.lastId) {
        res.write(`event: reset\ndata: ${JSON.stringify({ lastEventId, oldestKeptId: this.oldestKept(), lastId: this.lastId })}\n\n`);
      } else {
        for (const frame of this.after(lastEventId)) if (this.holds(scope, frame.site)) res.write(frame.text);
      }
    }
    const client: Client = { res, sites, scope, scopeKey: JSON.stringify(scope) };
    this.clients.add(client);
    const forget = (): void => {
      this.clients.delete(client);
    };
    res.on('close', forget);
    res.on('error', forget);
    this.checkBackpressure(client);
  }

  /** Ends every stream (server shutting down): fastify waits for open responses otherwise. */
  close(): void {
    clearInterval(this.pingTimer);
    for (const u of this.unsubscribe.splice(0)) u();
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private wantsSite(site: string): boolean {
    for (const c of this.clients) if (c.sites.has(site)) return true;
    return false;
  }

  /**
   * Whether `scope` holds the event's site. A site the registry does not hold (the gateway's own
   * `_system` alarms, a site removed since) has no region and no organisation, so only `all`
   * holds it (and a `site` scope naming exactly it).
   */
  private holds(scope: Scope, site: EventSite): boolean {
    return this.scopes.holds(scope, site);
  }

  private ping(): void {
    for (const client of this.clients) {
      client.res.write(': ping\n\n');
      this.checkBackpressure(client);
    }
  }

  private keep(frame: Frame): void {
    const old = this.ring[this.head];
    if (old) this.evictedUpTo = old.id;
    this.ring[this.head] = frame;
    this.head = (this.head + 1) % this.ring.length;
    this.size = Math.min(this.size + 1, this.ring.length);
  }

  private oldestKept(): number | null {
    if (this.size === 0) return null;
    return this.ring[(this.head - this.size + this.ring.length) % this.ring.length]!.id;
  }

  private *after(id: number): Generator<Frame> {
    const start = (this.head - this.size + this.ring.length) % this.ring.length;
    for (let i = 0; i < this.size; i++) {
      const frame = this.ring[(start + i) % this.ring.length]!;
      if (frame.id > id) yield frame;
    }
  }

  private broadcast(frame: Frame, reading: boolean): void {
    // Each scope is asked once per event, however many of its officers are connected.
    const answers = new Map<string, boolean>();
    for (const client of this.clients) {
      if (reading && !client.sites.has(frame.site.id)) continue;
      let holds = answers.get(client.scopeKey);
      if (holds === undefined) answers.set(client.scopeKey, (holds = this.holds(client.scope, frame.site)));
      if (!holds) continue;
      client.res.write(frame.text);
      this.checkBackpressure(client);
    }
  }

  private checkBackpressure(client: Client): void {
    if (client.res.writableLength <= this.options.maxBufferedBytes) return;
    this.dropped++;
    this.clients.delete(client);
    this.log.warn({ unreadBytes: client.res.writableLength }, 'live-stream client too slow: dropped (it resumes with Last-Event-ID)');
    client.res.destroy();
  }
}

const streamQuery = z
  .object({
    sites: z
      .string()
      .max(10_000)
      .refine((s) => s.split(',').every((site) => site === '' || ID_PATTERN.test(site)), 'sites must be ids of A-Z a-z 0-9 _ - separated by commas')
      .optional(),
    access_token: z.string().optional(),
  })
  .strict();

const lastEventIdHeader = z.looseObject({
  'last-event-id': z.string().regex(/^\d{1,15}$/, 'Last-Event-ID must be the decimal id of an event').optional(),
});

export function streamRoutes(hub: StreamHub, scopeOf: (request: FastifyRequest) => Scope) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/stream',
      {
        config: { role: 'viewer', queryToken: true, rateLimit: false },
        schema: {
          summary: 'Live events (Server-Sent Events): alarm, order, device; reading for ?sites=',
          description: 'Resumable with the Last-Event-ID header; `?access_token=` for EventSource, which cannot set headers.',
          querystring: streamQuery,
          headers: lastEventIdHeader,
        },
      },
      async (request, reply) => {
        const sites = new Set((request.query.sites ?? '').split(',').filter((s) => s !== ''));
        const header = request.headers['last-event-id'];
        const lastEventId = typeof header === 'string' ? Number(header) : null;
        const scope = scopeOf(request);
        reply.hijack();
        hub.open(reply.raw, sites, lastEventId, scope);
      },
    );
  };
}
