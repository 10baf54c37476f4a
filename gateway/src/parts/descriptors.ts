// Running out of file descriptors as a part: the open descriptors counted every 5 s (a readdir of
// /proc), and an HTTP accept that failed with EMFILE said at once; either raises the gateway alarm
// descriptors_exhausted, because a gateway out of descriptors refuses devices and officers silently.

import type { Logger } from '../log.js';
import type { SystemAlarms } from '../alarms/system-alarms.js';
import { apiConnectionBound, descriptorLimit, DescriptorWatch } from '../descriptors.js';
import type { Part } from './part.js';
import { systemAlarmGuard } from './storage.js';

const CHECK_EVERY_MS = 5000;

export interface DescriptorsPart extends Part {
  /** An accept failed for want of descriptors (EMFILE/ENFILE). */
  exhausted(): void;
  /** The API's connection bound: at most half the descriptors, so MQTT devices keep the rest. */
  apiBound(configured: number): number;
}

export function descriptorsPart(system: SystemAlarms, log: Logger): DescriptorsPart {
  const limit = descriptorLimit();
  const systemAlarm = systemAlarmGuard(log);
  const watch = new DescriptorWatch(
    limit,
    (open, max) => {
      log.error({ open, limit: max }, 'file descriptors nearly exhausted: devices and officers may be refused');
      systemAlarm('descriptors_exhausted', () => system.raise('process', 'descriptors_exhausted', open));
    },
    (open) => systemAlarm('descriptors_exhausted cleared', () => system.clear('process', 'descriptors_exhausted', open)),
  );
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'descriptors',
    exhausted: () => watch.exhausted(),
    apiBound: (configured) => apiConnectionBound(configured, limit),
    start: () => {
      timer = setInterval(() => watch.check(), CHECK_EVERY_MS);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}
