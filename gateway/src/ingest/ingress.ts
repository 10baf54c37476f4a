// One interface for every way readings arrive (embedded aedes, an external MQTT broker, later a
// partitioned queue): the gateway publishes and subscribes through it and never sees which.

import type { Intake } from './intake.js';

export interface PublishOptions {
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

export type MessageHandler = (topic: string, payload: Buffer) => void;

export interface Ingress {
  readonly kind: 'embedded' | 'external';
  /** Starts taking messages; each telemetry message goes to `intake`, which calls back the ack. */
  start(intake: Intake): Promise<void>;
  stop(): Promise<void>;
  /** The port an embedded broker bound (config may ask for 0); absent for a client of a broker. */
  readonly port?: number;
  /** True while the gateway can receive and publish. */
  isReady(): boolean;
  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void>;
  /** Handlers must return at once and never await I/O (aedes stalls at 100 pending). */
  subscribe(filter: string, handler: MessageHandler): Promise<void>;
}
