// A broker certificate close to its expiry raises an orange gateway alarm at start
// (gateway/src/parts/tls-expiry.ts): the day it expires every device that checks it stops
// connecting. A certificate with a year left raises nothing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_SITE } from '../../../gateway/src/alarms/system-alarms.js';
import { tempDir } from '../../support/tmp.js';
import { startTestGateway, testConfig } from '../../support/gateway.js';
import { makeCa, makeServerCert, type Pem } from '../../support/tls.js';

describe('TLS certificate expiry alarm', () => {
  let dir: ReturnType<typeof tempDir>;
  let ca: Pem;

  beforeAll(() => {
    dir = tempDir();
    ca = makeCa(dir.path);
  });
  afterAll(() => dir?.remove());

  async function gatewayAlarms(days: number) {
    const server = makeServerCert(dir.path, ca, `server-${days}`, days);
    const d = tempDir();
    const g = await startTestGateway(testConfig(d.path, (c) => void (c.broker = { ...c.broker, tls: { port: 0, ...server } })));
    try {
      return g.alarms.activeAlarms().filter((a) => a.site === SYSTEM_SITE && a.channel === 'tls_cert_expiring');
    } finally {
      await g.stop();
      d.remove();
    }
  }

  it('raises an orange gateway alarm with the days left when 14 days or fewer remain', async () => {
    const alarms = await gatewayAlarms(2);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ device: 'mqtt-tls', level: 'orange' });
    expect([1, 2]).toContain(alarms[0]!.value);
  });

  it('raises nothing with a year left', async () => {
    expect(await gatewayAlarms(365)).toEqual([]);
  });
});
