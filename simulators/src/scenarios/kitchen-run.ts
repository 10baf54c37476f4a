// Runs the restaurant-leak story over MQTT: a detector reading the room model, a shut-off valve
// whose state feeds back into the room, and optionally an exhaust fan. Shared by
// `shaobing simulate`, `npm run demo` and the end-to-end tests, so all three replay the same story.

import type { Logger } from 'pino';
import type { Topics } from '../../../gateway/src/contract/topics.js';
import type { Command, CommandAck } from '../../../gateway/src/contract/command.js';
import { createGasDetector, type GasDetector, type PublishedReading } from '../devices/gas-detector.js';
import { createValve, type Valve } from '../devices/valve.js';
import { createFan, type Fan } from '../devices/fan.js';
import type { StateCause } from '../devices/valve.js';
import { createLeakRoom, type LeakPhase, type LeakRoom, type LeakScenarioOptions } from './restaurant-leak.js';

export interface DeviceLogin {
  readonly id: string;
  readonly password: string;
}

export interface KitchenLeakOptions {
  readonly url: string;
  readonly topics: Topics;
  readonly site: string;
  readonly detector: DeviceLogin;
  readonly valve: DeviceLogin;
  readonly fan?: DeviceLogin;
  /** How every device logs in (devices/gas-detector.ts): with `signed`, the passwords are device secrets. */
  readonly login?: 'static' | 'signed';
  /** CA (PEM) of the broker's certificate, for an mqtts:// url. */
  readonly ca?: Buffer;
  readonly scenario?: Partial<LeakScenarioOptions>;
  /** Stop as unfinished after this many readings. */
  readonly maxSteps?: number;
  readonly log?: Logger;
  readonly on?: {
    readonly reading?: (reading: PublishedReading & { phase: LeakPhase; valve: string }) => void;
    readonly command?: (device: string, command: Command) => void;
    readonly state?: (device: string, state: string, cause: StateCause) => void;
    readonly ack?: (device: string, ack: CommandAck) => void;
  };
}

export interface KitchenLeakRun {
  readonly room: LeakRoom;
  readonly detector: GasDetector;
  readonly valve: Valve;
  readonly fan: Fan | null;
  /** 'settled' once the gas is back to normal after the valve closed; 'max_steps' otherwise. */
  readonly finished: Promise<'settled' | 'max_steps'>;
  stop(): Promise<void>;
}

export async function startKitchenLeak(o: KitchenLeakOptions): Promise<KitchenLeakRun> {
  const room = createLeakRoom(o.scenario ?? {});
  const maxSteps = o.maxSteps ?? 600;
  const common = { url: o.url, site: o.site, topics: o.topics, ...(o.log ? { log: o.log } : {}), ...(o.login ? { login: o.login } : {}), ...(o.ca ? { ca: o.ca } : {}) };
  const actuatorHooks = (device: string) => ({
    onCommand: (c: Command) => o.on?.command?.(device, c),
    onStateChange: (s: string, cause: StateCause) => o.on?.state?.(device, s, cause),
    onAck: (a: CommandAck) => o.on?.ack?.(device, a),
  });
  const valve = createValve({ ...common, device: o.valve.id, password: o.valve.password, ...actuatorHooks(o.valve.id) });
  const fan = o.fan ? createFan({ ...common, device: o.fan.id, password: o.fan.password, ...actuatorHooks(o.fan.id) }) : null;

  let finish!: (how: 'settled' | 'max_steps') => void;
  const finished = new Promise<'settled' | 'max_steps'>((resolve) => (finish = resolve));
  // The phase of each reading, found again by the readings object the detector hands back.
  const phases = new WeakMap<object, LeakPhase>();
  const detector = createGasDetector({
    ...common,
    device: o.detector.id,
    password: o.detector.password,
    intervalMs: room.options.intervalMs,
    source: () => {
      const { ch4, co, phase } = room.step(valve.state === 'closed');
      const readings = { ch4, co };
      phases.set(readings, phase);
      return readings;
    },
    onPublish: (reading) => {
      o.on?.reading?.({ ...reading, phase: phases.get(reading.readings) ?? 'normal', valve: valve.state });
      if (room.done) finish('settled');
      else if (room.steps >= maxSteps) finish('max_steps');
    },
  });

  const stopAll = async (): Promise<void> => {
    await detector.stop();
    await valve.stop();
    await fan?.stop();
  };
  try {
    await valve.start();
    await fan?.start();
    await detector.start();
  } catch (err) {
    // A refused login or no broker: close what did connect before saying so.
    await stopAll();
    throw err;
  }
  return {
    room,
    detector,
    valve,
    fan,
    finished,
    stop: stopAll,
  };
}
