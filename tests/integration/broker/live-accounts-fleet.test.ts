// The embedded broker following the real registry (LiveFleet over a state.db): what the registry
// commits reaches AedesIngress.applySites as its own SiteChange, and a device created there logs
// in within a second; its new password cuts the old connection; its site's removal cuts and
// refuses it. The runtime subscribes the ingress to the fleet; here the test does it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../broker/src/auth.js';
import { deriveLoginKey, signLogin } from '../../../broker/src/signed-login.js';
import { LiveFleet } from '../../../gateway/src/registry/live-fleet.js';
import { RegistryStore } from '../../../gateway/src/registry/registry-store.js';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { startTestGateway, testConfig, type TestGateway } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { connectOutcome } from '../../support/tls.js';
import { tempDir } from '../../support/tmp.js';

const SITE = 'kitchen-reg-1';
const by = { actor: 'installer-wang', atMs: Date.now() };
const channels = { ch4: { quantity: 'methane_lel' as const } };

describe('broker accounts following the live registry', () => {
  let dir: ReturnType<typeof tempDir>;
  let registryDir: ReturnType<typeof tempDir>;
  let registryDb: Db;
  let fleet: LiveFleet;
  let gw: TestGateway;
  let unsubscribe: () => void;

  beforeAll(async () => {
    dir = tempDir();
    registryDir = tempDir();
    gw = await startTestGateway(testConfig(dir.path));
    registryDb = openStateDb(registryDir.path);
    fleet = new LiveFleet(new RegistryStore(registryDb), silentLogger());
    unsubscribe = fleet.onChange((changes) => gw.inside.ingress.applySites(changes));
  });

  afterAll(async () => {
    unsubscribe?.();
    await gw?.stop();
    registryDb?.close();
    dir?.remove();
    registryDir?.remove();
  });

  it('logs in a signed device within a second of its creation in the registry', async () => {
    const username = `${SITE}/gas-01`;
    const loginKey = deriveLoginKey('generated-secret-gas-01', username);
    const login = (clientId: string) => ({ username, clientId, password: signLogin({ loginKey, username, clientId, atMs: Date.now() }) });
    expect(await connectOutcome(gw.url, login('gas-01-early'))).toMatch(/^refused 4/);
    const since = performance.now();
    fleet.putSite({ id: SITE, name: '老王烧烤', devices: [{ id: 'gas-01', kind: 'detector', auth: 'signed', loginKey: loginKey.toString('hex'), channels }] }, by);
    const client = await connectClient(gw.url, login('gas-01-live'));
    const tookMs = performance.now() - since;
    await client.endAsync(true);
    expect(tookMs).toBeLessThan(1000);
  });

  it('cuts a device whose password the registry changed, and its removal with the site refuses it', async () => {
    fleet.putDevices([{ site: SITE, device: { id: 'valve-01', kind: 'valve', passwordHash: await hashPassword('valve-old-password') } }], by);
    const client = await connectClient(gw.url, deviceLogin(SITE, 'valve-01', 'valve-old-password', 'valve-01-live'));
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    fleet.putDevices([{ site: SITE, device: { id: 'valve-01', kind: 'valve', passwordHash: await hashPassword('valve-new-password') } }], by);
    await closed;
    expect(await connectOutcome(gw.url, deviceLogin(SITE, 'valve-01', 'valve-old-password', 'valve-01-old'))).toMatch(/^refused 4/);
    const renewed = await connectClient(gw.url, deviceLogin(SITE, 'valve-01', 'valve-new-password', 'valve-01-new'));
    const cut = new Promise<void>((resolve) => renewed.once('close', () => resolve()));
    expect(fleet.removeSite(SITE, by)).toBe(true);
    await cut;
    expect(await connectOutcome(gw.url, deviceLogin(SITE, 'valve-01', 'valve-new-password', 'valve-01-back'))).toMatch(/^refused 4/);
    await client.endAsync(true);
    await renewed.endAsync(true);
  });
});
