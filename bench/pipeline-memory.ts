// Gateway memory with many sensors configured: start the gateway (embedded broker, SQLite) with
// `sensors` sensors (kitchen detectors of two channels each), time the start to ready, let every
// device send one reading (so every sensor has detection and health state, not just config), then
// read RSS and heap after a full GC. Best run in a fresh process (pipeline.ts does so when it runs
// compiled): RSS never shrinks back after an earlier, bigger run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceId, SiteId } from '../gateway/src/contract/ids.js';
import { silentLogger } from '../gateway/src/log.js';
import { startGateway, type Gateway } from '../gateway/src/compose.js';
import { BENCH_PASSWORD, benchConfig, fleetDevice, GATEWAY_USER, type FleetShape } from './pipeline-config.js';
import { loadChild, type LoadInput, type LoadOutput } from './pipeline-load.js';
import { findGc } from './results.js';
import { spawnChild } from './pipeline-spawn.js';
import { mb } from './pipeline-stats.js';

export interface MemoryResult {
  readonly sensors: number;
  readonly cold_start_ms: number;
  readonly rss_mb_idle: number;
  readonly rss_mb: number;
  readonly heap_mb: number;
  readonly readings_sent: number;
  readonly stored: number;
  readonly gc: string;
}

/** One reading from every detector of the fleet through the gateway's account, at `ratePerS`. */
function loadInput(rt: Gateway, shape: FleetShape, ratePerS: number): LoadInput {
  const devices = Array.from({ length: shape.devices }, (_, i) => {
    const d = fleetDevice(shape, i);
    return { username: '', clientId: '', topic: rt.topics.telemetry({ site: d.site as SiteId, device: d.device as DeviceId }) };
  });
  return {
    url: `mqtt://127.0.0.1:${rt.brokerPort}`,
    password: BENCH_PASSWORD,
    devices,
    ratePerS,
    durationMs: Math.ceil((shape.devices / ratePerS) * 1000),
    warmupMs: 0,
    maxInFlight: 5000,
    leaks: [],
    leakLel: 60,
    shared: { username: GATEWAY_USER, connections: 4 },
  };
}

export async function measureMemory(sensors: number, ratePerS = 10_000): Promise<MemoryResult> {
  const shape: FleetShape = { devices: Math.ceil(sensors / 2), devicesPerSite: 50, valveSites: 0 };
  const dataDir = mkdtempSync(join(tmpdir(), 'shaobing-pipeline-mem-'));
  const { gc, how } = findGc();
  try {
    const config = await benchConfig({ dataDir, shape });
    const t0 = performance.now();
    const rt = await startGateway(config, { log: silentLogger() });
    const coldStartMs = performance.now() - t0;
    try {
      gc?.();
      const idle = process.memoryUsage().rss;
      // Built in a call of its own so that nothing here keeps the list alive: it is the load
      // generator's (another process), not the gateway's, and would add ~5 MB to what is measured.
      const load = spawnChild<LoadOutput>('memory-load', loadChild as (...a: never[]) => void, loadInput(rt, shape, ratePerS));
      try {
        await load.next('connected');
        load.send({ type: 'go' });
        const out = await load.done;
        await rt.faces.telemetry.flush();
        const stored = await rt.faces.telemetry.countMessages();
        gc?.();
        const m = process.memoryUsage();
        return { sensors: shape.devices * 2, cold_start_ms: Math.round(coldStartMs), rss_mb_idle: mb(idle), rss_mb: mb(m.rss), heap_mb: mb(m.heapUsed), readings_sent: out.acked, stored, gc: how };
      } finally {
        load.kill();
      }
    } finally {
      await rt.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
