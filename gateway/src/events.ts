// Fan-out to observers (demo narration, live stream, metrics): a typed bus whose listeners are
// each wrapped so one failing observer cannot break another. Never used for the alarm path itself.

import type { DeviceRef } from './contract/ids.js';
import type { Telemetry } from './contract/telemetry.js';
import type { Alarm, AlarmEvent } from './alarms/lifecycle.js';
import type { OrderCommand, StopWorkOrder } from './orders/stop-work.js';
import type { OutOfService } from './alarms/out-of-service.js';
import type { Logger } from './log.js';

export interface GatewayEvents {
  reading: { ref: DeviceRef; telemetry: Telemetry };
  rejected: { ref: DeviceRef; reason: string; detail: string };
  alarm: { alarm: Alarm; event: AlarmEvent };
  order: { order: StopWorkOrder; what: 'issued' | 'republished' | 'confirmed' | 'rectified' | 'inspected' | 'lifted' };
  command: { order: StopWorkOrder; command: OrderCommand; what: 'sent' | 'acked' | 'failed' | 'unconfirmed' };
  deviceStatus: { ref: DeviceRef; state: 'online' | 'offline'; atMs: number };
  /** A device or site put out of service, returned by an officer, or expired by itself. */
  outOfService: { entry: OutOfService; what: 'set' | 'returned' | 'expired' };
}

type Listener<K extends keyof GatewayEvents> = (payload: GatewayEvents[K]) => void;

export class EventBus {
  private readonly listeners: { [K in keyof GatewayEvents]?: Listener<K>[] } = {};

  constructor(private readonly log: Logger) {}

  on<K extends keyof GatewayEvents>(kind: K, listener: Listener<K>): () => void {
    const list = (this.listeners[kind] ??= []) as Listener<K>[];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** True when someone listens: lets the hot path skip building a payload nobody reads. */
  has(kind: keyof GatewayEvents): boolean {
    return (this.listeners[kind]?.length ?? 0) > 0;
  }

  emit<K extends keyof GatewayEvents>(kind: K, payload: GatewayEvents[K]): void {
    const list = this.listeners[kind] as Listener<K>[] | undefined;
    if (!list) return;
    for (const listener of list) {
      try {
        listener(payload);
      } catch (err) {
        this.log.error({ err, event: kind }, 'event listener failed');
      }
    }
  }
}
