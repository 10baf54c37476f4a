// One interface for every way readings arrive (embedded aedes, an external MQTT broker, later a
// partitioned queue): the gateway publishes and subscribes through it and never sees which.

export interface PublishOptions {
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

export type MessageHandler = (topic: string, payload: Buffer) => void;

export interface Ingress {
  readonly kind: 'embedded' | 'external';
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True while the gateway can receive and publish. */
  isReady(): boolean;
  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void>;
  /** Handlers must return at once and never await I/O (STACK.md: aedes stalls at 100 pending). */
  subscribe(filter: string, handler: MessageHandler): Promise<void>;
}
