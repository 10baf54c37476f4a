// Starts the real gateway (embedded aedes, SQLite files) on free loopback ports for a test.

import { configSchema, type Config, type ConfigInput } from '../../gateway/src/config/schema.js';
import { demoConfig, DEMO_PASSWORDS, DEMO_SITE } from '../../gateway/src/config/demo.js';
import { startGateway, type Gateway } from '../../gateway/src/compose.js';
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

export async function startTestGateway(config: Config, clock?: () => number): Promise<Gateway & { url: string }> {
  const runtime = await startGateway(config, { log: testLogger(), ...(clock ? { clock } : {}) });
  return Object.assign(runtime, { url: `mqtt://127.0.0.1:${runtime.brokerPort}` });
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
