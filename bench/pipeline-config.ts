// The fleet the pipeline benchmark drives: sites of kitchen detectors (methane + CO, two sensors
// each), the first few sites with a gas shut-off valve for the injected leaks, and the kitchen
// rules with the on-delay set to zero so that the reading that crosses red is the one that raises.

import { hashPassword } from '../broker/src/auth.js';
import { configSchema, type Config, type ConfigInput } from '../gateway/src/config/schema.js';
import { KITCHEN_RULES } from '../gateway/src/config/presets/kitchen.js';

export const BENCH_PASSWORD = 'bench-device-password';
/** The gateway's own account (external broker) and the peer's account on Mosquitto. */
export const GATEWAY_USER = 'shaobing-gateway';
export const PEER_USER = 'node-red';

let hashOnce: Promise<string> | undefined;
/** scrypt at N=2: login cost is not what this bench measures, and 20 000 devices log in at start. */
export function benchHash(): Promise<string> {
  hashOnce ??= hashPassword(BENCH_PASSWORD, { N: 2 });
  return hashOnce;
}

export interface FleetShape {
  /** Detectors in the fleet (two sensors each: ch4 and co). */
  readonly devices: number;
  readonly devicesPerSite: number;
  /** Sites, from the first, that get a valve (one leak each). */
  readonly valveSites: number;
}

export interface FleetDevice {
  readonly site: string;
  readonly device: string;
}

export const siteId = (i: number): string => `s-${i}`;
export const deviceId = (j: number): string => `d-${j}`;
export const VALVE = 'valve';

/** Detector i of the fleet, in publishing order. */
export function fleetDevice(shape: FleetShape, i: number): FleetDevice {
  return { site: siteId(Math.floor(i / shape.devicesPerSite)), device: deviceId(i % shape.devicesPerSite) };
}

export function siteCount(shape: FleetShape): number {
  return Math.ceil(shape.devices / shape.devicesPerSite);
}

export interface BenchConfigOptions {
  readonly dataDir: string;
  readonly shape: FleetShape;
  /** Absent: embedded aedes on a free port. */
  readonly externalUrl?: string;
  /** broker.subscriptionConnections for the external broker; absent: the gateway's default. */
  readonly subscriptionConnections?: number;
  readonly apiEnabled?: boolean;
  /** SHA-256 hex of a viewer token for the SSE watcher (api.bootstrapTokens). */
  readonly apiTokenHash?: string;
  /** Extra fields merged into `storage` (the InfluxDB variant's settings). */
  readonly storageExtra?: Record<string, unknown>;
}

export async function benchConfig(o: BenchConfigOptions): Promise<Config> {
  const hash = await benchHash();
  const { shape } = o;
  const sites: NonNullable<ConfigInput['sites']> = [];
  for (let s = 0; s < siteCount(shape); s++) {
    const devices: ConfigInput['sites'][number]['devices'] = [];
    const first = s * shape.devicesPerSite;
    for (let i = first; i < Math.min(shape.devices, first + shape.devicesPerSite); i++) {
      devices.push({ id: fleetDevice(shape, i).device, kind: 'detector', passwordHash: hash, channels: { ch4: { quantity: 'methane_lel' }, co: { quantity: 'co_ppm' } } });
    }
    if (s < shape.valveSites) devices.push({ id: VALVE, kind: 'valve', passwordHash: hash });
    sites.push({ id: siteId(s), name: `bench site ${s}`, devices });
  }
  const input: ConfigInput = {
    sites,
    // The kitchen preset as shipped except the on-delay: it is a deliberate wait (2 s of readings
    // above the set point), not processing time, and would hide what this bench measures.
    // Set points act at once (the injected leaks are methane); the CO dose rule has no on-delay.
    rules: KITCHEN_RULES.map((r) => ('kind' in r && r.kind === 'dose' ? r : { ...r, onDelayS: 0 })),
    broker: o.externalUrl
      ? { mode: 'external', url: o.externalUrl, username: GATEWAY_USER, password: BENCH_PASSWORD, clientId: `shaobing-bench-${process.pid}`, ...(o.subscriptionConnections !== undefined ? { subscriptionConnections: o.subscriptionConnections } : {}) }
      : { mode: 'embedded', host: '127.0.0.1', port: 0, users: [{ username: GATEWAY_USER, passwordHash: hash, role: 'gateway' }] },
    api: {
      enabled: o.apiEnabled ?? false,
      host: '127.0.0.1',
      port: 0,
      ...(o.apiTokenHash ? { bootstrapTokens: [{ name: 'pipeline-bench', role: 'viewer' as const, tokenHash: o.apiTokenHash }] } : {}),
    },
    // Journal rows are kept for the count at the end; FULL is the shipped default.
    storage: { dataDir: o.dataDir, synchronous: 'FULL', journalKeepS: 86_400, ...(o.storageExtra ?? {}) },
    // Valves ack at once here; a retry would only add noise.
    orders: { ackTimeoutMs: 10_000, maxAttempts: 3 },
    log: { level: 'silent' },
  };
  return configSchema.parse(input);
}
