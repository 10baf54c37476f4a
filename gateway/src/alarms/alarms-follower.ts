// The alarm side follows the fleet: the service's sites (time zones, devices an officer may put
// out of service) follow every change, and the open alarms of a device removed from the registry
// are closed through the service with the note "device removed from the registry" (a channel
// removed: "channel removed from the registry"), never silently forgotten: each keeps its
// history, and the close is an event like an officer's.
//
// The one exception is a gas alarm that reached red at a site whose stop-work order (停产停工令)
// is still in force: it is left as it stands, so the order, its rectification and its inspection
// stay tied to the alarm that caused them, and only an officer ends the order. It no longer
// blocks the lift (orders/interlock.ts skips alarms of devices not in the fleet: no reading can
// clear them), and it is closed with the note once the order is lifted.

import { isHealthKind } from '../detect/health.js';
import { deviceDiff } from '../detect/site-diff.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { FleetFollower, SiteChange } from '../registry/fleet.js';
import type { Alarm } from './lifecycle.js';
import type { AlarmService } from './service.js';

/** Who closes a removed device's alarms, and the note they carry (the alarm's history says it). */
export const REGISTRY_ACTOR = 'registry';
export const DEVICE_REMOVED_NOTE = 'device removed from the registry';
export const CHANNEL_REMOVED_NOTE = 'channel removed from the registry';
const AFTER_LIFT_NOTE = 'removed from the registry; closed when the stop-work order was lifted';

/** A gas alarm (a rule's reading, rate or dose) that reached red. */
function redGasAlarm(alarm: Alarm): boolean {
  return alarm.peakLevel === 'red' && !isHealthKind(alarm.kind) && (alarm.kind === 'threshold' || alarm.kind === 'rate' || alarm.kind === 'dose');
}

export class AlarmsFollower implements FleetFollower {
  private readonly unsubscribe: () => void;

  constructor(
    private readonly alarms: AlarmService,
    /** Whether the site has a stop-work order in force (the interlock's activeOrder). */
    private readonly orderInForce: (site: string) => boolean,
    events: EventBus,
    private readonly log: Logger,
  ) {
    this.unsubscribe = events.on('order', ({ order, what }) => {
      if (what === 'lifted') this.retireRemoved(order.site, undefined, AFTER_LIFT_NOTE);
    });
  }

  applySites(changes: readonly SiteChange[]): void {
    this.alarms.sites.applySites(changes);
    for (const { before, after } of changes) {
      if (before === undefined) continue;
      if (after === undefined) {
        // The whole site went: every open alarm of it, its flood alarm included.
        this.retireRemoved(before.id, undefined, DEVICE_REMOVED_NOTE);
        continue;
      }
      const diff = deviceDiff(before, after);
      for (const d of diff.removed) this.retireRemoved(before.id, d.id, DEVICE_REMOVED_NOTE);
      // A channel removed (or measuring another quantity now): its alarms can no longer clear.
      for (const { after: d, channelsGone } of diff.changed) if (channelsGone.length > 0) this.retireRemoved(before.id, d.id, CHANNEL_REMOVED_NOTE);
    }
  }

  /** Stops following order lifts. */
  stop(): void {
    this.unsubscribe();
  }

  /**
   * Closes the open alarms at `site` (of `device`, when given) whose sensor the fleet no longer
   * has, but for a red gas alarm while the site's order is in force. A whole site gone takes its
   * own alarms (flood) with it.
   */
  private retireRemoved(site: string, device: string | undefined, note: string): void {
    const inForce = this.orderInForce(site);
    const siteGone = !this.alarms.sites.knowsSite(site);
    for (const alarm of this.alarms.openAlarms(site, device)) {
      if (!siteGone && (alarm.device.startsWith('_') || this.alarms.sites.knowsSensor(site, alarm.device, alarm.channel))) continue;
      const fields = { site, device: alarm.device, channel: alarm.channel, alarmId: alarm.id, level: alarm.level, state: alarm.state };
      if (inForce && redGasAlarm(alarm)) {
        this.log.warn(fields, 'sensor removed from the registry: its red alarm stays open while the stop-work order is in force');
        continue;
      }
      try {
        const outcome = this.alarms.retire(alarm.id, REGISTRY_ACTOR, note);
        if (outcome?.rejected) this.log.error({ ...fields, rejected: outcome.rejected }, 'alarm of a removed sensor could not be closed');
        else this.log.info(fields, `alarm closed: ${note}`);
      } catch (err) {
        // The database refused the close (disk full): the alarm stays open and listed, which an
        // officer can close by hand; the fleet change itself stands.
        this.log.error({ ...fields, err }, 'alarm of a removed sensor could not be closed: the state database refused the save');
      }
    }
  }
}
