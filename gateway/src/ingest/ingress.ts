// One interface for every way readings arrive (embedded aedes, an external MQTT broker, later a
// partitioned queue): the gateway publishes and subscribes through it and never sees which.

import type { Intake } from './intake.js';
import type { FleetFollower } from '../registry/fleet.js';

export interface PublishOptions {
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

/** What an embedded broker counts of device logins, for /metrics. */
export interface LoginStats {
  /** CONNECTs refused because another identity holds the client id. */
  readonly takeoversRefused: number;
  readonly scryptRuns: number;
  /** Logins answered from a remembered digest instead of a scrypt. */
  readonly digestHits: number;
  readonly scryptQueued: number;
}

/** The outcome of re-reading the broker's TLS files: what is now served, or why the old one stays. */
export type TlsReload =
  | { readonly ok: true; readonly subject: string; readonly validTo: Date; readonly fingerprint256: string }
  | { readonly ok: false; readonly problems: readonly string[] };

export type MessageHandler = (topic: string, payload: Buffer) => void;

/**
 * applySites (FleetFollower): an embedded broker lets a device added to the fleet log in at once
 * and cuts a removed or re-keyed one; a client of an external broker has nothing to follow.
 */
export interface Ingress extends FleetFollower {
  readonly kind: 'embedded' | 'external';
  /** Starts taking messages; each telemetry message goes to `intake`, which calls back the ack. */
  start(intake: Intake): Promise<void>;
  stop(): Promise<void>;
  /** The plain port an embedded broker bound (config may ask for 0); absent for a client of a
   * broker or when the plain listener is off. */
  readonly port?: number | undefined;
  /** The TLS port an embedded broker bound; absent without broker.tls. */
  readonly tlsPort?: number | undefined;
  /** Re-reads the TLS certificate and key (SIGHUP); connections already up stay. Absent without TLS. */
  reloadTls?(): TlsReload;
  /** When the certificate served now expires; undefined without TLS. */
  tlsValidTo?(): Date | undefined;
  /** Login counters, where the gateway runs the broker itself. */
  loginStats?(): LoginStats;
  /** True while the gateway can receive and publish. */
  isReady(): boolean;
  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void>;
  /** Handlers must return at once and never await I/O (aedes stalls at 100 pending). */
  subscribe(filter: string, handler: MessageHandler): Promise<void>;
}
