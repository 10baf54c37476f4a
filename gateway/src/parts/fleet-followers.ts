// The parts that follow the fleet while it runs (broker accounts, detection, the interlock, the
// alarms, the notifier), subscribed to its committed changes in that order: a new device can log
// in before its first reading is judged, and its detectors exist before an alarm names them.

import type { Logger } from '../log.js';
import type { Fleet, FleetFollower } from '../registry/fleet.js';
import type { Part } from './part.js';

/** One named follower; the name says which one failed in the log. */
export interface NamedFollower {
  readonly name: string;
  readonly follower: FleetFollower;
}

/**
 * Subscribes the followers in order; one that throws is logged and the next still gets the
 * change (a follower must not throw for a change the registry accepted: this is the backstop).
 * Stopping the part unsubscribes them.
 */
export function followFleet(fleet: Fleet, followers: readonly NamedFollower[], log: Logger): Part {
  const own = log.child({ module: 'fleet-followers' });
  const unsubscribe = fleet.onChange((changes) => {
    for (const { name, follower } of followers) {
      try {
        follower.applySites(changes);
      } catch (err) {
        own.error({ err, follower: name, sites: changes.slice(0, 10).map((c) => (c.after ?? c.before)?.id) }, 'fleet follower failed on a committed change');
      }
    }
  });
  return { name: 'fleet followers', stop: unsubscribe };
}
