// A gateway behind a real Mosquitto restarting into a backlog: the broker delivers the readings its
// persistent session queued the moment the gateway connects, and a red among them issues a
// stop-work order at once. The order and the valve command must go out on the first try, so no
// reading may be taken before the gateway's publish connection is up.

import { beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { makeTopics } from '../../../gateway/src/contract/topics.js';
import { createLogger } from '../../../gateway/src/log.js';
import { startRuntime, type Runtime } from '../../../gateway/src/runtime.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { mosquittoMissing, startMosquitto, type Mosquitto } from '../../support/mosquitto.js';

const missing = mosquittoMissing();
if (missing) console.warn(`external-broker backlog test skipped: ${missing}. It runs in CI, which installs Mosquitto.`);

const GATEWAY_USER = 'shaobing-gateway';
const topics = makeTopics();
const gas = { site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId };

describe.skipIf(missing !== null)('external broker: a backlog at restart', () => {
  const password = randomBytes(12).toString('hex');
  const fx = useGatewayFixture();
  let broker: Mosquitto;
  /** One data directory for both runs of a test: the second is a restart. */
  let dataDir: string;

  beforeEach(async () => {
    dataDir = fx.dataDir();
    broker = await startMosquitto({
      users: { [GATEWAY_USER]: password, ...Object.fromEntries(Object.entries(DEMO_PASSWORDS).map(([d, p]) => [`${DEMO_SITE}/${d}`, p])) },
    });
    const started = broker;
    fx.defer(() => started.close());
  });

  async function start(lines: string[]): Promise<Runtime> {
    const config = testConfig(dataDir, (c) => {
      c.broker = { ...c.broker, mode: 'external', url: broker.url, clientId: 'shaobing-backlog-test', username: GATEWAY_USER, password };
      c.api = { ...c.api, enabled: false };
    });
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(...chunk.toString().split('\n').filter(Boolean)), done()) });
    const runtime = await startRuntime(config, { log: createLogger('warn', sink) });
    // Stopped after the test; stop is idempotent, so a run the test stopped itself is fine.
    fx.defer(() => runtime.stop());
    return runtime;
  }

  it('publishes the order and the valve command of a red in the backlog on the first try', async () => {
    // First run: the persistent session exists at the broker; then the gateway goes away.
    const first = await start([]);
    await first.stop();

    // While it is down the kitchen leaks: the broker queues the readings for the gateway's session.
    const login = deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']);
    const device = await connectClient(broker.url, { ...login, clientId: 'backlog-gas-01' });
    fx.defer(() => device.endAsync(true));
    const t0 = Date.now() - 10_000;
    for (let i = 0; i < 6; i++) {
      await device.publishAsync(topics.telemetry(gas), JSON.stringify({ ts: t0 + i * 1000, seq: i + 1, readings: { ch4: i === 0 ? 1 : 70, co: 2 } }), { qos: 1 });
    }

    const lines: string[] = [];
    const second = await start(lines);
    const order = await eventually(() => second.faces.interlock.activeOrder(DEMO_SITE), 10_000, 'stop-work order from the backlog');
    // Well past the test's 500-ms ack timeout: a first publish that failed would show by now.
    await new Promise((r) => setTimeout(r, 800));
    expect(lines.filter((l) => l.includes('failed to publish') || l.includes('not started'))).toEqual([]);
    expect(second.faces.orders.events(order.id).filter((e) => e.kind === 'issued')).toHaveLength(1);
  });
});
