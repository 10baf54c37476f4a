// Embedded mode: the broker runs in this process and the gateway takes every telemetry message
// inside aedes's authorizePublish, acknowledging it only after the journal commit.

import type { Aedes, PublishPacket } from 'aedes';
import { startBroker, toBuffer, type Broker, type BrokerOptions } from '../../../broker/src/server.js';
import { TlsFilesError } from '../../../broker/src/tls-listener.js';
import { ConfigError } from '../errors.js';
import type { Authenticator } from '../../../broker/src/auth.js';
import type { Topics } from '../contract/topics.js';
import type { Logger } from '../log.js';
import type { Ingress, MessageHandler, PublishOptions, LoginStats, TlsReload } from './ingress.js';
import type { Intake, TakeResult } from './intake.js';
import type { SiteChange } from '../registry/fleet.js';

export interface AedesIngressOptions {
  readonly host: string;
  readonly port: number;
  readonly drainTimeoutMs: number;
  /** Largest MQTT packet taken (broker/src/packet-limit.ts); absent: its default. */
  readonly maxPacketBytes?: number;
  /** MQTT over TLS (broker/src/tls-listener.ts), from broker.tls. */
  readonly tls?: BrokerOptions['tls'];
  /** Whether the plain listener runs (off when broker.tls is set, unless tls.keepPlain). */
  readonly plain?: boolean;
  readonly topics: Topics;
  readonly authenticator: Authenticator;
  readonly log: Logger;
}

export class AedesIngress implements Ingress {
  readonly kind = 'embedded' as const;
  private broker: Broker | null = null;

  constructor(private readonly options: AedesIngressOptions) {}

  get port(): number | undefined {
    if (!this.broker) throw new Error('broker not started');
    return this.broker.port ?? undefined;
  }

  get tlsPort(): number | undefined {
    if (!this.broker) throw new Error('broker not started');
    return this.broker.tls?.port;
  }

  tlsValidTo(): Date | undefined {
    return this.broker?.tls?.served().validTo;
  }

  reloadTls(): TlsReload {
    const tls = this.broker?.tls;
    if (!tls) return { ok: false, problems: ['broker.tls is not configured'] };
    const result = tls.reload();
    if (!result.ok) return { ok: false, problems: result.problems.map((p) => `broker.tls.${p.field}: ${p.message}`) };
    const { subject, validTo, fingerprint256 } = result.served;
    return { ok: true, subject, validTo, fingerprint256 };
  }

  get aedes(): Aedes {
    if (!this.broker) throw new Error('broker not started');
    return this.broker.aedes;
  }

  /** The broker's counters (takeovers refused, oversize cuts…), for metrics and tests. */
  brokerStats(): ReturnType<Broker['stats']> {
    if (!this.broker) throw new Error('broker not started');
    return this.broker.stats();
  }

  loginStats(): LoginStats {
    const b = this.brokerStats();
    return { takeoversRefused: b.takeoversRefused, scryptRuns: b.logins.scryptRuns, digestHits: b.logins.cacheHits, scryptQueued: b.logins.scryptQueued };
  }

  async start(intake: Intake): Promise<void> {
    this.broker = await startBroker({
      host: this.options.host,
      port: this.options.port,
      ...(this.options.tls !== undefined ? { tls: this.options.tls } : {}),
      ...(this.options.plain !== undefined ? { plain: this.options.plain } : {}),
      topics: this.options.topics,
      authenticator: this.options.authenticator,
      log: this.options.log,
      drainTimeoutMs: this.options.drainTimeoutMs,
      ...(this.options.maxPacketBytes !== undefined ? { maxPacketBytes: this.options.maxPacketBytes } : {}),
      onTelemetry: (ref, topic, payload, done) => {
        // The journal may call back before takeTelemetry returns (a batch filled to maxBatch
        // commits at once), when `result` is not known yet: finish only once both are in.
        let result: TakeResult | undefined;
        let committed: { err: Error | undefined } | undefined;
        const finish = (err: Error | undefined, taken: TakeResult): void => {
          if (err) return done(err);
          // A malformed payload is accepted at the MQTT level (a refusal would make the device
          // resend it forever) and rerouted to the dead-letter topic instead of forwarded.
          done(null, taken.kind === 'rejected' ? { reroute: taken.deadLetter } : undefined);
        };
        result = intake.takeTelemetry(ref, topic, payload, (err) => {
          if (result === undefined) committed = { err };
          else finish(err, result);
        });
        if (committed !== undefined) finish(committed.err, result);
      },
    }).catch((err: unknown) => {
      // The files are part of the config: say which field is wrong and how to fix it.
      if (err instanceof TlsFilesError) throw new ConfigError(err.problems.map((p) => ({ path: `broker.tls.${p.field}`, message: p.message })));
      throw err;
    });
    this.options.log.info({ port: this.broker.port, tlsPort: this.broker.tls?.port ?? null }, 'embedded broker listening');
  }

  /**
   * Follows the fleet: a device added logs in with its credential at its next CONNECT; one
   * removed or given a new credential is cut now, its remembered logins forgotten, and refused
   * when it comes back with the old one. A change of channels or space alone moves nothing here.
   * Before start the accounts change all the same, for the broker to start with.
   */
  applySites(changes: readonly SiteChange[]): void {
    const log = this.options.log;
    const moves = this.options.authenticator.applySites(changes);
    const disconnected = moves.revoked.length > 0 ? (this.broker?.disconnect(moves.revoked) ?? 0) : 0;
    // Names only for a handful; an import of 10 000 devices logs its counts.
    const few = <T>(items: readonly T[]) => (items.length <= 20 ? items : items.length);
    if (moves.refused.length > 0) log.error({ refused: few(moves.refused), first: moves.refused[0] }, 'device accounts refused by the broker: they cannot log in until their credential is fixed');
    if (moves.added.length + moves.removed.length + moves.rekeyed.length === 0) return;
    log.info(
      { added: few(moves.added), removed: few(moves.removed), rekeyed: few(moves.rekeyed), disconnected, accounts: this.options.authenticator.accountCount },
      'broker accounts follow the fleet',
    );
  }

  async stop(): Promise<void> {
    const broker = this.broker;
    this.broker = null;
    if (broker) await broker.close();
  }

  isReady(): boolean {
    return this.broker !== null && !this.broker.aedes.closed;
  }

  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void> {
    const body = toBuffer(payload);
    const packet = { cmd: 'publish', topic, payload: body, qos: options.qos, retain: options.retain, dup: false } as PublishPacket;
    const aedes = this.aedes;
    // A stop-work command is written to its valves and fans now (broker/src/urgent-forward.ts):
    // under load the setImmediate below waits for a poll phase that reads every busy socket.
    this.broker!.sendNow({ topic, payload: body, qos: options.qos, retain: options.retain });
    // Never publish from inside an aedes hook: the alarm path runs in authorizePublish, and a
    // publish made there was measured to wait for the next incoming packet (process.nextTick
    // also broke persistent-session delivery: aedes's outgoingUpdate found no such packet).
    // setImmediate leaves the hook first; FIFO order of publishes is kept. aedes then delivers
    // to everyone the command was not already written to.
    return new Promise((resolve, reject) => setImmediate(() => aedes.publish(packet, (err) => (err ? reject(err) : resolve()))));
  }

  subscribe(filter: string, handler: MessageHandler): Promise<void> {
    const log = this.options.log;
    return new Promise((resolve) =>
      this.aedes.subscribe(
        filter,
        (packet, cb) => {
          // Call back at once: 100 pending deliveries stop aedes for every client.
          try {
            handler(packet.topic, toBuffer(packet.payload));
          } catch (err) {
            log.error({ err, topic: packet.topic }, 'in-process subscriber failed');
          }
          cb();
        },
        () => resolve(),
      ),
    );
  }
}
