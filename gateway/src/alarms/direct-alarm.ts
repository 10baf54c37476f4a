// Alarms that detection does not make (an actuator that did not confirm, the gateway's own
// trouble), and the reserved ids they are filed under.

import { ACTUATOR_POSITION_RULE, ACTUATOR_RULE, GATEWAY_RULE_PREFIX, SYSTEM_SITE, type ActuatorKind, type GatewayCondition } from '../contract/alarm-kind.js';
import type { EpisodeIdentity } from './episode.js';

/**
 * Alarms that detection does not make, typed by their kind: an actuator that did not confirm its
 * stop-work command, and the gateway's own trouble. Each names what it is about in its own terms
 * (no sensor, no quantity): the service files it under the reserved ids of contract/alarm-kind.ts.
 */
export type DirectAlarm =
  | { readonly kind: 'actuator_unconfirmed' | 'actuator_position'; readonly site: string; readonly device: string; readonly actuator: ActuatorKind; readonly attempts: number }
  | { readonly kind: 'gateway'; readonly part: string; readonly condition: GatewayCondition; readonly count: number };

/** The channel of an actuator's own alarm: the device as a whole (detect/fault.ts DEVICE_CHANNEL). */
const ACTUATOR_CHANNEL = '_device';
/** The quantity column of a gateway alarm: nothing is measured. */
const GATEWAY_QUANTITY = 'system';

/** The alarm row's ids for a direct alarm: the actuator's kind stands where a quantity would. */
export function directIdentity(a: DirectAlarm): EpisodeIdentity & { value: number } {
  if (a.kind === 'gateway') {
    return { site: SYSTEM_SITE, device: a.part, channel: a.condition, quantity: GATEWAY_QUANTITY, ruleId: `${GATEWAY_RULE_PREFIX}${a.condition}`, kind: 'gateway', value: a.count };
  }
  return { site: a.site, device: a.device, channel: ACTUATOR_CHANNEL, quantity: a.actuator, ruleId: a.kind === 'actuator_unconfirmed' ? ACTUATOR_RULE : ACTUATOR_POSITION_RULE, kind: a.kind, value: a.attempts };
}
