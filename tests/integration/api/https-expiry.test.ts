// The API's HTTPS certificate (api.tls) is watched for its expiry like the broker's: a certificate
// with 2 days left raises the gateway alarm api_tls_cert_expiring at start, in words an officer
// reads; a renewed one served after a reload clears it at once.

import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { alarmText } from '../../../gateway/src/contract/alarm-text.js';
import { startTestGateway, testConfig } from '../../support/gateway.js';
import { makeCa, makeServerCert } from '../../support/tls.js';
import { tempDir } from '../../support/tmp.js';

describe('the API certificate expiry alarm', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('is raised for a certificate about to expire and cleared by a renewed one on reload', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const ca = makeCa(dir.path);
    const served = makeServerCert(dir.path, ca, 'served', 2);
    const g = await startTestGateway(testConfig(dir.path, (c) => void (c.api = { ...c.api, tls: { certFile: served.certFile, keyFile: served.keyFile } })));
    cleanups.push(() => g.stop());

    const raised = g.alarms.activeAlarms().find((a) => a.device === 'api-tls');
    expect(raised).toMatchObject({ kind: 'gateway', channel: 'api_tls_cert_expiring', value: 1 });
    expect(alarmText(raised!, 'zh').cause).toContain('值班页面 HTTPS 证书即将过期或已过期，请更换');
    // The broker's own certificate alarm is not this one.
    expect(g.alarms.activeAlarms().some((a) => a.channel === 'tls_cert_expiring')).toBe(false);

    const renewed = makeServerCert(dir.path, ca, 'renewed', 90);
    copyFileSync(renewed.certFile, served.certFile);
    copyFileSync(renewed.keyFile, served.keyFile);
    expect(g.reloadApiTls()).toMatchObject({ ok: true });
    expect(g.alarms.activeAlarms().some((a) => a.device === 'api-tls')).toBe(false);
  });
});
