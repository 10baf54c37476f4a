// Fan-out to observers (demo narration, live stream, metrics): a typed bus whose listeners are
// each wrapped so one failing observer cannot break another. Never used for the alarm path itself.

import type { DeviceRef } from './contract/ids.js';
import type { Telemetry } from './contract/telemetry.js';
import type { Alarm, AlarmEvent } from './alarms/lifecycle.js';
import type { OrderCommand, StopWorkOrder } from './orders/stop-work.js';
import type { OutOfService } from './alarms/out-of-service.js';
import type { Logger } from './log.js';
import { Listeners } from './listeners.js';

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

/** The gateway's bus: every listener of `on` gets an unsubscribe; one that throws is logged. */
export class EventBus extends Listeners<GatewayEvents> {
  constructor(log: Logger) {
    super(log, 'event');
  }
}
