// The last value of every channel, the last battery figure and when the gateway last heard each
// device, kept in memory from the EventBus `reading` event so the device list needs no
// time-series query. With a DeviceLastStore it survives a restart: what changed is saved every
// few seconds (and at close), and a device not heard since the start is read back from it.

import type { EventBus } from '../../gateway/src/events.js';
import type { DeviceLastStore } from './device-last-store.js';

export interface LastValue {
  readonly value: number;
  readonly tsMs: number;
}

interface DeviceState {
  battery: number | null;
  heardAtMs: number | null;
  channels: Map<string, LastValue>;
}

/** How often changed devices are written to state.db. A crash loses at most this much of "last value". */
const SAVE_EVERY_MS = 5_000;

export class LiveState {
  private readonly devices = new Map<string, DeviceState>();
  private readonly dirty = new Set<string>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly store: DeviceLastStore | null = null,
    private readonly clock: () => number = Date.now,
    private readonly onSaveError: (err: unknown) => void = () => {},
  ) {}

  /** Listens to the bus; returns the function that unsubscribes and saves what is pending. */
  attach(events: EventBus): () => void {
    const off = events.on('reading', ({ ref, telemetry }) => this.record(ref.site, ref.device, telemetry.tsMs, telemetry.readings, telemetry.meta?.battery));
    if (this.store) {
      this.timer = setInterval(() => this.save(), SAVE_EVERY_MS);
      this.timer.unref();
    }
    return () => {
      off();
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      this.save();
    };
  }

  record(site: string, device: string, tsMs: number, readings: Readonly<Record<string, number>>, battery?: number): void {
    const key = `${site}/${device}`;
    const state = this.device(site, device);
    if (battery !== undefined) state.battery = battery;
    state.heardAtMs = this.clock();
    for (const channel in readings) {
      const previous = state.channels.get(channel);
      // A late (replayed) reading does not hide a newer one.
      if (!previous || previous.tsMs <= tsMs) state.channels.set(channel, { value: readings[channel]!, tsMs });
    }
    if (this.store) this.dirty.add(key);
  }

  battery(site: string, device: string): number | null {
    return this.device(site, device).battery;
  }

  last(site: string, device: string, channel: string): LastValue | null {
    return this.device(site, device).channels.get(channel) ?? null;
  }

  /** Gateway time of the device's last reading (this run or a stored earlier one), or null. */
  heardAtMs(site: string, device: string): number | null {
    return this.device(site, device).heardAtMs;
  }

  /** Writes the devices changed since the last save; a failure is reported and retried next time. */
  save(): void {
    if (!this.store || this.dirty.size === 0) return;
    const keys = [...this.dirty];
    this.dirty.clear();
    const rows = keys.map((key) => {
      const slash = key.indexOf('/');
      const d = this.devices.get(key)!;
      return { site: key.slice(0, slash), device: key.slice(slash + 1), battery: d.battery, heardAtMs: d.heardAtMs ?? this.clock(), channels: [...d.channels].map(([channel, v]) => ({ channel, ...v })) };
    });
    try {
      this.store.save(rows);
    } catch (err) {
      for (const key of keys) this.dirty.add(key);
      this.onSaveError(err);
    }
  }

  /** The device's state, read back from the store the first time it is asked for in this run. */
  private device(site: string, device: string): DeviceState {
    const key = `${site}/${device}`;
    let state = this.devices.get(key);
    if (!state) {
      const stored = this.store?.load(site, device) ?? null;
      state = { battery: stored?.battery ?? null, heardAtMs: stored?.heardAtMs ?? null, channels: new Map((stored?.channels ?? []).map((c) => [c.channel, { value: c.value, tsMs: c.tsMs }])) };
      this.devices.set(key, state);
    }
    return state;
  }
}
