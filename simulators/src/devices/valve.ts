// A simulated gas shut-off valve, built on a small latching actuator that the exhaust fan
// (fan.ts) shares: one safe action, acknowledged on `cmd/ack`, never undone except by hand. Its
// position sensor (a limit switch) is reported in each ack and in its retained `status`, so the
// gateway reads the position back; `stuck` simulates a jammed valve whose switch still reads open.

import type { MqttClient } from 'mqtt';
import type { DeviceId, DeviceRef, SiteId } from '../../../gateway/src/contract/ids.js';
import { commandSchema, parseJson, siteOrderSchema, type Action, type Command, type CommandAck, type DeviceStatus } from '../../../gateway/src/contract/command.js';
import { connectDevice, type DeviceConnection, type DeviceConnectionOptions } from './gas-detector.js';

/** Why the actuator moved: a gateway command, the retained site order, or a person on site. */
export type StateCause = 'command' | 'order' | 'manual';

export interface ActuatorOptions<S extends string> extends DeviceConnectionOptions {
  /** Time the mechanism takes to move; the ack goes out only when it has. */
  readonly actuationMs?: number;
  readonly initialState?: S;
  /** A valid command arrived on the `cmd` topic (before it is carried out). */
  readonly onCommand?: (command: Command) => void;
  readonly onStateChange?: (state: S, cause: StateCause) => void;
  /** An acknowledgement was handed to the client for `cmd/ack`. */
  readonly onAck?: (ack: CommandAck) => void;
  /**
   * Jammed in its initial position: the motor runs and the actuator acknowledges the command
   * (its controller believes it moved), but the position sensor keeps reading where it is.
   */
  readonly stuck?: boolean;
}

interface ActuatorKind<S extends string> {
  /** The one command this actuator obeys. */
  readonly action: Action;
  /** The state the action puts it in (valve closed, fan running). */
  readonly safeState: S;
  /** The state before (valve open, fan stopped); only `resetManually` returns to it. */
  readonly idleState: S;
}

export interface Actuator<S extends string> {
  /** What the actuator's controller drove it to (and reports as the ack `state`). */
  readonly state: S;
  /** Where the mechanism really is, as its position sensor reads it (differs only when stuck). */
  readonly position: S;
  /** Connects, publishes the birth, subscribes to its `cmd` and its site's `order` topics. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A person on site puts the device back (re-opens the valve, stops the fan). */
  resetManually(): void;
  readonly connection: DeviceConnection | null;
}

/** Reads `id` from a payload that failed validation, so the refusal can still be acknowledged. */
function readableId(payload: Buffer): string | null {
  try {
    const json: unknown = JSON.parse(payload.toString('utf8'));
    const id = typeof json === 'object' && json !== null ? (json as { id?: unknown }).id : undefined;
    return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : null;
  } catch {
    return null; // not JSON at all: there is no id to answer to
  }
}

export function createActuator<S extends string>(kind: ActuatorKind<S>, o: ActuatorOptions<S>): Actuator<S> {
  const actuationMs = o.actuationMs ?? 200;
  const ref: DeviceRef = { site: o.site as SiteId, device: o.device as DeviceId };
  const cmdTopic = o.topics.cmd(ref);
  const ackTopic = o.topics.cmdAck(ref);
  const orderTopic = o.topics.order(ref.site);
  const statusTopic = o.topics.status(ref);
  let state: S = o.initialState ?? kind.idleState;
  let position: S = state;
  let moving: Promise<void> | null = null;
  let moveTimer: NodeJS.Timeout | null = null;
  let connection: DeviceConnection | null = null;

  function setState(next: S, cause: StateCause): void {
    if (next === state) return;
    state = next;
    connection?.log.info({ state, cause }, 'state changed');
    if (!o.stuck && position !== next) {
      position = next;
      reportPosition();
    }
    o.onStateChange?.(state, cause);
  }

  /** The retained status with the position, so whoever subscribes later reads it back too. */
  function reportPosition(): void {
    if (!connection?.client.connected) return; // sent again after the next connect
    const { client, clock, log } = connection;
    const status: DeviceStatus = { state: 'online', ts: clock(), position };
    client.publishAsync(statusTopic, JSON.stringify(status), { qos: 1, retain: true }).catch((err: Error) => log.warn({ err: err.message }, 'position report failed'));
  }

  /** Moves to the safe state; a second request while moving waits for the same movement. */
  function goSafe(cause: StateCause): Promise<void> {
    if (state === kind.safeState) return Promise.resolve();
    moving ??= new Promise<void>((resolve) => {
      moveTimer = setTimeout(() => {
        moveTimer = null;
        moving = null;
        setState(kind.safeState, cause);
        resolve();
      }, actuationMs);
    });
    return moving;
  }

  function ack(id: string, ok: boolean): void {
    if (!connection) return;
    const { client, clock, log } = connection;
    const message: CommandAck = { id, ok, state, ts: clock(), position };
    o.onAck?.(message);
    client.publishAsync(ackTopic, JSON.stringify(message), { qos: 1 }).catch((err: Error) => log.warn({ err: err.message, id }, 'ack publish failed'));
  }

  function onCommandMessage(payload: Buffer): void {
    const parsed = parseJson(commandSchema, payload);
    if (!parsed.ok) {
      const id = readableId(payload);
      connection?.log.warn({ reason: parsed.reason, id }, 'invalid command');
      if (id !== null) ack(id, false);
      return;
    }
    const command = parsed.value;
    o.onCommand?.(command);
    if (command.action !== kind.action) {
      connection?.log.warn({ id: command.id, action: command.action }, 'command not supported by this device');
      ack(command.id, false);
      return;
    }
    // Idempotent: a repeated command (a retry after a lost ack) is acknowledged again.
    void goSafe('command').then(() => ack(command.id, true));
  }

  function onOrderMessage(payload: Buffer): void {
    if (payload.length === 0) return; // a cleared retained order
    const parsed = parseJson(siteOrderSchema, payload);
    if (!parsed.ok) {
      connection?.log.warn({ reason: parsed.reason }, 'invalid site order');
      return;
    }
    // Fail-safe after a reboot: an active retained order means the site must be safe now, even
    // if the command itself was lost. A lifted order changes nothing (docs/device-protocol.md,
    // The site order).
    if (parsed.value.state === 'active') void goSafe('order');
  }

  async function subscribe(client: MqttClient): Promise<void> {
    // After each birth (which carries no position): the retained status now says where it is.
    reportPosition();
    const granted = await client.subscribeAsync({ [cmdTopic]: { qos: 1 }, [orderTopic]: { qos: 1 } });
    for (const grant of granted) {
      if (grant.qos === 128) connection?.log.error({ topic: grant.topic }, 'subscription refused by the broker');
    }
  }

  async function start(): Promise<void> {
    if (connection) throw new Error(`${kind.action} actuator already started`);
    connection = connectDevice(o, subscribe);
    connection.client.on('message', (topic, payload) => {
      if (topic === cmdTopic) onCommandMessage(payload);
      else if (topic === orderTopic) onOrderMessage(payload);
    });
    try {
      await connection.ready;
    } catch (err) {
      await connection.end();
      connection = null;
      throw err;
    }
  }

  async function stop(): Promise<void> {
    if (moveTimer) clearTimeout(moveTimer);
    moveTimer = null;
    moving = null;
    await connection?.end();
  }

  function resetManually(): void {
    // The motor wins over a hand on the lever: a movement under way finishes (and is acked).
    if (moving) {
      connection?.log.warn('manual reset ignored while the actuator is moving');
      return;
    }
    setState(kind.idleState, 'manual');
  }

  return {
    get state() {
      return state;
    },
    get position() {
      return position;
    },
    get connection() {
      return connection;
    },
    start,
    stop,
    resetManually,
  };
}

export type ValveState = 'open' | 'closed';

export interface Valve extends Actuator<ValveState> {
  /** Re-opening is a manual act on site: the valve never re-opens by itself. */
  openManually(): void;
}

export type ValveOptions = ActuatorOptions<ValveState>;

export function createValve(o: ValveOptions): Valve {
  const actuator = createActuator<ValveState>({ action: 'close', safeState: 'closed', idleState: 'open' }, o);
  return Object.assign(actuator, { openManually: () => actuator.resetManually() });
}
