// The notifier follows the fleet: a site renamed or added is named in the next message, in its
// own time zone, and the briefing counts the sites there are now.

import { describe, expect, it } from 'vitest';
import { siteSchema } from '../../../gateway/src/config/schema.js';
import { levelTransition } from '../../support/transitions.js';
import { tempDir } from '../../support/tmp.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { openHarness, rosterInput, SITE, SITES } from './notify-fixture.js';

const site = (id: string, name: string, timezone = 'Asia/Shanghai') => siteSchema.parse({ id, name, timezone, devices: [] });

describe('the notifier follows the fleet', () => {
  const fx = useGatewayFixture();

  function setup() {
    const tmp = tempDir();
    fx.defer(() => tmp.remove());
    const input = rosterInput({ hook: { type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret-0123' } }, { zhang: [{ channel: 'hook' }], wang: [{ channel: 'hook' }], zhao: [{ channel: 'hook' }] });
    const h = openHarness(tmp.path, input, Date.now);
    fx.defer(() => h.close());
    return h;
  }

  const raise = (h: ReturnType<typeof setup>, siteId: string) =>
    h.alarms.onTransition(levelTransition({ site: siteId, device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'methane', from: null, to: 'red', value: 62, atMs: Date.now(), stopWork: false }))!;

  const texts = (h: ReturnType<typeof setup>, alarmId: string) => h.notifier.outbox.list({ alarmId, limit: 10 }).map((r) => `${r.title}\n${JSON.stringify(r.body)}`);

  it('names a renamed site by its new name, and an added site by its own', () => {
    const h = setup();
    const old = site(SITE, SITES[0]!.name);
    h.notifier.applySites([{ before: old, after: site(SITE, '解放路老王烧烤 后厨') }, { before: undefined, after: site('kitchen-09', '城南火锅店') }]);
    for (const text of texts(h, raise(h, SITE).id)) {
      expect(text).toContain('解放路老王烧烤');
      expect(text).not.toContain(SITES[0]!.name);
    }
    const added = texts(h, raise(h, 'kitchen-09').id);
    expect(added.length).toBeGreaterThan(0);
    for (const text of added) expect(text).toContain('城南火锅店');
    expect(h.notifier.regions()[0]!.sites).toEqual([SITE, 'kitchen-02', 'kitchen-09']);
  });

  it('drops a removed site from the briefing', () => {
    const h = setup();
    h.notifier.applySites([{ before: site('kitchen-02', SITES[1]!.name), after: undefined }]);
    expect(h.notifier.regions()[0]!.sites).toEqual([SITE]);
  });
});
