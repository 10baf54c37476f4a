// An actuator of one site that obeys another site's stop-work orders (devices[].obeys: a
// building's main gas valve shared by its kitchens) is commanded on its own site's topic, confirms
// the order like the kitchen's own valve, and is commanded at once when it starts obeying a site
// whose order is in force.

import { describe, expect, it } from 'vitest';
import { siteSchema, type ConfigInput } from '../../../gateway/src/config/schema.js';
import { OrderRepository } from '../../../gateway/src/orders/repository.js';
import { createValve } from '../../../simulators/src/devices/valve.js';
import { createFan } from '../../../simulators/src/devices/fan.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { publishRedMethane, useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

const BUILDING = 'building-01';

function withBuilding(obeys: string[] | undefined) {
  return (input: ConfigInput): void => {
    const valve = input.sites[0]!.devices.find((d) => d.id === 'valve-01')!;
    input.sites.push({ id: BUILDING, name: '综合楼 building', devices: [{ ...valve, id: 'main-valve', ...(obeys ? { obeys } : {}) }] });
  };
}

describe('actuators that obey another site', () => {
  const fx = useGatewayFixture();

  async function withActuators(g: RunningGateway) {
    const common = { url: g.url, topics: g.topics, actuationMs: 20 };
    const valve = createValve({ ...common, site: DEMO_SITE, device: 'valve-01', password: DEMO_PASSWORDS['valve-01'] });
    const fan = createFan({ ...common, site: DEMO_SITE, device: 'fan-01', password: DEMO_PASSWORDS['fan-01'] });
    const main = createValve({ ...common, site: BUILDING, device: 'main-valve', password: DEMO_PASSWORDS['valve-01'] });
    fx.defer(() => valve.stop(), () => fan.stop(), () => main.stop());
    await Promise.all([valve.start(), fan.start(), main.start()]);
    return main;
  }

  it("closes the building's main valve on the kitchen's order, on the building's own topic, and stores the command's site", async () => {
    const dir = fx.dataDir();
    const g = await startTestGateway(testConfig(dir, withBuilding([DEMO_SITE])));
    fx.defer(() => g.stop());
    const main = await withActuators(g);
    await publishRedMethane(g);
    const order = await eventually(() => {
      const o = g.interlock.activeOrder(DEMO_SITE);
      return o?.confirmedAtMs != null ? o : undefined;
    }, 5000, 'order confirmed by every actuator');
    expect(order.commands.map((c) => [c.device, c.site ?? order.site, c.state, c.readBack])).toEqual([
      ['valve-01', DEMO_SITE, 'acked', 'matched'],
      ['fan-01', DEMO_SITE, 'acked', 'matched'],
      ['main-valve', BUILDING, 'acked', 'matched'],
    ]);
    expect(main.position).toBe('closed');
    // The command's site is stored with it.
    expect(new OrderRepository(g.stateDb).get(order.id)?.commands[2]?.site).toBe(BUILDING);
  });

  it('commands a valve at once when it starts obeying a site whose order is in force', async () => {
    const dir = fx.dataDir();
    const config = testConfig(dir, withBuilding(undefined));
    const g = await startTestGateway(config);
    fx.defer(() => g.stop());
    const main = await withActuators(g);
    await publishRedMethane(g);
    const order = await eventually(() => g.interlock.activeOrder(DEMO_SITE), 5000, 'order issued');
    expect(order.commands.map((c) => c.device)).toEqual(['valve-01', 'fan-01']);

    const before = config.sites[1]!;
    const after = siteSchema.parse({ ...before, devices: before.devices.map((d) => ({ ...d, obeys: [DEMO_SITE] })) });
    g.interlock.applySites([{ before, after }]);
    const command = await eventually(() => {
      const c = g.interlock.activeOrder(DEMO_SITE)?.commands.find((x) => x.device === 'main-valve');
      return c?.state === 'acked' ? c : undefined;
    }, 5000, 'main valve commanded and acked');
    expect(command.site).toBe(BUILDING);
    expect(main.position).toBe('closed');
  });
});
