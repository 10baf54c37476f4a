// A simulated exhaust fan: started by a `fan_on` command or an active site order, stopped only
// by a person on site. Same latching actuator as the valve (valve.ts), so it reports its position
// ('stopped' | 'running', from its run-feedback contact) in each ack and its retained status.

import { createActuator, type Actuator, type ActuatorOptions } from './valve.js';

export type FanState = 'stopped' | 'running';

export interface Fan extends Actuator<FanState> {
  stopManually(): void;
}

export type FanOptions = ActuatorOptions<FanState>;

export function createFan(o: FanOptions): Fan {
  const actuator = createActuator<FanState>({ action: 'fan_on', safeState: 'running', idleState: 'stopped' }, o);
  return Object.assign(actuator, { stopManually: () => actuator.resetManually() });
}
