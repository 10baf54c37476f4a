// Two counties of one province, with a kitchen in each, for the tests of scoped access: county A
// (江汉区, with a town below it) holds the demo kitchen, county B (武昌区) a copy of it with the
// same device logins. The fleet registry's tables are filled through LiveFleet, the writer the
// gateway itself uses, so the scope conditions read the rows the registry writes.

import type { MqttClient } from 'mqtt';
import type { ConfigInput, Config } from '../../gateway/src/config/schema.js';
import type { DeviceId, SiteId } from '../../gateway/src/contract/ids.js';
import type { Topics } from '../../gateway/src/contract/topics.js';
import type { Db } from '../../gateway/src/store/sqlite.js';
import { RegistryStore } from '../../gateway/src/registry/registry-store.js';
import { LiveFleet } from '../../gateway/src/registry/live-fleet.js';
import { silentLogger } from '../../gateway/src/log.js';
import { DEMO_PASSWORDS, DEMO_SITE } from './gateway.js';
import { connectClient, deviceLogin } from './mqtt.js';

export const SITE_A = DEMO_SITE;
export const SITE_B = 'kitchen-b1';
export const REGION_A = 'county-a';
export const REGION_B = 'county-b';

/** Config patch: the province, counties A and B, a town under A; the demo kitchen in that town and its copy in B. */
export function twoCounties(input: ConfigInput): void {
  input.regions = [
    { id: 'hubei', name: '湖北省', level: 'province' },
    { id: REGION_A, name: '江汉区', level: 'county', parent: 'hubei', officers: ['李明'] },
    { id: 'town-a1', name: '唐家墩街道', level: 'town', parent: REGION_A },
    { id: REGION_B, name: '武昌区', level: 'county', parent: 'hubei', officers: ['王芳'] },
  ];
  const demo = input.sites[0]!;
  demo.region = 'town-a1';
  demo.address = '武汉市江汉区建设大道568号';
  input.sites.push({
    ...structuredClone(demo),
    id: SITE_B,
    name: '武昌老火锅后厨',
    address: '武汉市武昌区中山路100号',
    contact: '张师傅',
    contactPhone: '027-8888-0000',
    region: REGION_B,
  });
}

/**
 * Writes the config's regions and sites into the fleet registry of `db` through LiveFleet (a
 * no-op for records the gateway already loaded from its file), plus `extra` sites without devices.
 */
export function seedFleet(db: Db, config: Config, extra: readonly { id: string; name: string; address?: string; region: string }[] = []): LiveFleet {
  const fleet = new LiveFleet(new RegistryStore(db), silentLogger());
  const by = { actor: 'test', atMs: Date.now() };
  for (const r of config.regions) fleet.putRegion(r, by);
  for (const s of config.sites) fleet.putSite(s, by);
  for (const s of extra) fleet.putSite({ ...s, devices: [] }, by);
  return fleet;
}

/** A demo detector of any of the two kitchens, logged in with the demo password; end it after use. */
export async function detectorAt(g: { readonly url: string; readonly topics: Topics }, site: string): Promise<{ client: MqttClient; publish(readings: Record<string, number>, n?: number): Promise<void> }> {
  const client = await connectClient(g.url, deviceLogin(site, 'gas-01', DEMO_PASSWORDS['gas-01']));
  const topic = g.topics.telemetry({ site: site as SiteId, device: 'gas-01' as DeviceId });
  let seq = 0;
  return {
    client,
    /** `n` readings one second apart ending now: past the kitchen rules' 2 s on-delay. */
    async publish(readings, n = 5) {
      const base = Date.now() - n * 1000;
      for (let i = 1; i <= n; i++) await client.publishAsync(topic, JSON.stringify({ ts: base + i * 1000, seq: ++seq, readings }), { qos: 1 });
    },
  };
}
