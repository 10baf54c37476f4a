// Starts the real gateway (embedded aedes, SQLite files) on free loopback ports for a test.

import { configSchema, type Config, type ConfigInput } from '../../gateway/src/config/schema.js';
import { demoConfig, DEMO_PASSWORDS, DEMO_SITE } from '../../gateway/src/config/demo.js';
import { startGateway, type Gateway } from '../../gateway/src/compose.js';
import { insideOf, type GatewayFaces, type RuntimeInside } from '../../gateway/src/runtime.js';
import { silentLogger, createLogger, type Logger } from '../../gateway/src/log.js';

export { DEMO_PASSWORDS, DEMO_SITE };

/** The demo kitchen on ephemeral ports and the given data directory; `patch` edits the input. */
export function testConfig(dataDir: string, patch: (input: ConfigInput) => void = () => {}): Config {
  return configSchema.parse(testConfigInput(dataDir, patch));
}

/** The same as a config file would hold it, for a gateway started as a child process. */
export function testConfigInput(dataDir: string, patch: (input: ConfigInput) => void = () => {}): ConfigInput {
  const input = demoConfig();
  input.broker = { ...input.broker, port: 0, host: '127.0.0.1' };
  input.api = { ...input.api, port: 0, host: '127.0.0.1' };
  input.storage = { ...input.storage, dataDir, synchronous: 'FULL' };
  input.orders = { ackTimeoutMs: 500, maxAttempts: 5 };
  patch(input);
  return input;
}

export function testLogger(): Logger {
  return process.env.SHAOBING_TEST_LOG ? createLogger(process.env.SHAOBING_TEST_LOG) : silentLogger();
}

/**
 * A gateway started in this process as a test holds it: what its users hold (Gateway), its faces
 * (the services the dashboard is given: alarms, orders, interlock, notifier, telemetry) spread
 * out, the MQTT url, and `inside`: the message path's collaborators (journal, intake, ingress)
 * that the runtime keeps from its users, for the few tests that read a commit count or a broker
 * figure or fill the journal's disk.
 */
export type TestGateway = Gateway & GatewayFaces & { readonly url: string; readonly inside: RuntimeInside };

export async function startTestGateway(config: Config, clock?: () => number): Promise<TestGateway> {
  const runtime = await startGateway(config, { log: testLogger(), ...(clock ? { clock } : {}) });
  return Object.assign(runtime, runtime.faces, { url: `mqtt://127.0.0.1:${runtime.brokerPort}`, inside: insideOf(runtime) });
}

/** Polls until `check` returns a value that is not undefined/false, or fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
