// The parts that follow the fleet without a restart, in the order a change reaches them: the
// detection path first (profiles, silence watches, sensor states, rules, voting), so a reading
// after the change is judged by the new fleet; then the interlock (a valve added to a site under
// an order is closed at once); then the alarms (sites, devices, the open alarms of removed
// devices closed with a note); then the notifier (site names and time zones in messages).
// The runtime subscribes each to Fleet.onChange (registry/fleet.ts).

import type { Config } from '../config/schema.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { FleetFollower } from '../registry/fleet.js';
import type { NamedFollower } from './fleet-followers.js';
import type { AlarmService } from '../alarms/service.js';
import { AlarmsFollower } from '../alarms/alarms-follower.js';
import type { Interlock } from '../orders/interlock.js';
import type { Notifier } from '../notify/notifier.js';
import type { Detection } from './alarms.js';
import { DetectionFollower } from './detection-follower.js';

export interface FollowingParts {
  readonly config: Config;
  /** detectionFor's result: the same engine, health, profiles and voting the pipeline reads. */
  readonly detection: Detection;
  readonly interlock: Interlock;
  readonly alarms: AlarmService;
  readonly notifier: Notifier;
  readonly events: EventBus;
  readonly clock: () => number;
  readonly log: Logger;
}

/**
 * The followers after the broker's accounts, in order (followFleet, fleet-followers.ts, logs one
 * that fails and goes on), and the detection follower itself: it knows the rules in force now.
 */
export function fleetFollowersOf(p: FollowingParts): { readonly followers: NamedFollower[]; readonly detection: DetectionFollower } {
  const log = p.log.child({ module: 'fleet-follow' });
  const detection = new DetectionFollower(p.config, p.detection, p.clock, log);
  const followers: [string, FleetFollower][] = [
    ['detection', detection],
    ['interlock', p.interlock],
    ['alarms', new AlarmsFollower(p.alarms, (site) => p.interlock.activeOrder(site) !== undefined, p.events, log)],
    ['notifier', p.notifier],
  ];
  return { followers: followers.map(([name, follower]) => ({ name, follower })), detection };
}
