// A kitchen imported from a file into the running gateway is watched end to end with the secrets
// the import answered: its detector (signed login) and valve (static password) log in, and a red
// methane reading stops work and closes that valve. Nothing restarts; nothing is called by hand.

import { describe, expect, it } from 'vitest';
import { deriveLoginKey, signLogin } from '../../../broker/src/signed-login.js';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { parseCsv } from '../../../gateway/src/registry/provision/csv.js';
import { tempDir } from '../../support/tmp.js';
import { eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { collect, connectClient } from '../../support/mqtt.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { adminAuth, FLEET_TOKENS } from '../../support/fleet-api.js';

describe('a kitchen imported while the gateway runs', () => {
  const fx = useGatewayFixture();

  it('logs in with the answered secrets and its red closes its own valve', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const g = await startTestGateway(
      testConfig(dir.path, (input) => {
        input.api = { ...input.api, bootstrapTokens: [{ name: 'admin Wang', role: 'admin', tokenHash: hashToken(FLEET_TOKENS.admin) }] };
      }),
    );
    fx.defer(() => g.stop());

    const file = '\ufeff站点,站点名称,地址,设备,类型,通道,空间,认证\r\nk-77,新开的面馆,解放路 77 号,gas-01,探测器,ch4:methane_lel,kitchen,签名\r\nk-77,,,valve-01,切断阀,,,静态\r\n';
    const res = await g.api!.inject({ method: 'POST', url: '/api/v1/devices/import', headers: { ...adminAuth, 'content-type': 'text/csv' }, payload: file });
    expect(res.statusCode).toBe(200);
    const read = parseCsv(res.body);
    if (!read.ok) throw new Error(read.reason);
    const secret = Object.fromEntries(read.records.slice(1).map((r) => [r.cells[1]!, r.cells[3]!]));

    const valve = await connectClient(g.url, { username: 'k-77/valve-01', clientId: 'k-77-valve-01', password: secret['valve-01']! });
    fx.defer(() => valve.endAsync());
    const { messages } = await collect(valve, g.topics.cmd({ site: 'k-77' as never, device: 'valve-01' as never }));
    const key = deriveLoginKey(secret['gas-01']!, 'k-77/gas-01');
    const gas = await connectClient(g.url, { username: 'k-77/gas-01', clientId: 'k-77-gas-01', password: signLogin({ loginKey: key, username: 'k-77/gas-01', clientId: 'k-77-gas-01', atMs: Date.now() }) });
    fx.defer(() => gas.endAsync());
    const topic = g.topics.telemetry({ site: 'k-77' as never, device: 'gas-01' as never });
    const t0 = Date.now() - 5000;
    for (let i = 0; i < 4; i++) await gas.publishAsync(topic, JSON.stringify({ ts: t0 + i * 1000, seq: i + 1, readings: { ch4: 70 } }), { qos: 1 });

    const red = await eventually(() => g.alarms.activeAlarms().find((a) => a.site === 'k-77' && a.level === 'red'), 5000, 'red alarm at the imported kitchen');
    expect(red.device).toBe('gas-01');
    const command = await eventually(() => messages[0], 5000, 'close command to the imported valve');
    expect(JSON.parse(command.payload.toString())).toMatchObject({ action: 'close' });
  });
});
