// The whole gateway process: the runtime's parts with the dashboard API as its front part. The
// command line, the demo, the benchmarks and the tests start it here; the runtime itself knows no
// front end, so the gateway's core never imports the dashboard.

import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { startRuntime, type Runtime, type RuntimeOptions } from './runtime.js';
import { dashboardPart } from '../../dashboard-api/src/gateway-part.js';

export interface Gateway extends Runtime {
  /** The dashboard API (tests reach it with inject), null when api.enabled is false. */
  readonly api: FastifyInstance | null;
  readonly apiPort: number | null;
}

export async function startGateway(config: Config, options: Omit<RuntimeOptions, 'front'>): Promise<Gateway> {
  let api: FastifyInstance | null = null;
  const runtime = await startRuntime(config, {
    ...options,
    ...(config.api.enabled
      ? {
          front: (faces) => {
            const part = dashboardPart(faces);
            api = part.app;
            return part;
          },
        }
      : {}),
  });
  return Object.assign(runtime, { api, apiPort: runtime.frontPort });
}
