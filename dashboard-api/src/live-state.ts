// The last value of every channel and the last battery figure of every device, kept in memory
// from the EventBus `reading` event so the device list needs no time-series query. Empty after a
// restart until each device reports again (its values show as null meanwhile).

import type { EventBus } from '../../gateway/src/events.js';

export interface LastValue {
  readonly value: number;
  readonly tsMs: number;
}

interface DeviceState {
  battery: number | null;
  channels: Map<string, LastValue>;
}

export class LiveState {
  private readonly devices = new Map<string, DeviceState>();

  /** Listens to the bus; returns the unsubscribe function. */
  attach(events: EventBus): () => void {
    return events.on('reading', ({ ref, telemetry }) => this.record(ref.site, ref.device, telemetry.tsMs, telemetry.readings, telemetry.meta?.battery));
  }

  record(site: string, device: string, tsMs: number, readings: Readonly<Record<string, number>>, battery?: number): void {
    const key = `${site}/${device}`;
    let state = this.devices.get(key);
    if (!state) {
      state = { battery: null, channels: new Map() };
      this.devices.set(key, state);
    }
    if (battery !== undefined) state.battery = battery;
    for (const channel in readings) {
      const previous = state.channels.get(channel);
      // A late (replayed) reading does not hide a newer one.
      if (!previous || previous.tsMs <= tsMs) state.channels.set(channel, { value: readings[channel]!, tsMs });
    }
  }

  battery(site: string, device: string): number | null {
    return this.devices.get(`${site}/${device}`)?.battery ?? null;
  }

  last(site: string, device: string, channel: string): LastValue | null {
    return this.devices.get(`${site}/${device}`)?.channels.get(channel) ?? null;
  }
}
