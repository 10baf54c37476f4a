// What a re-read config changes (SIGHUP): log.level, notify.roster and the fleet (sites by id,
// regions, organisations) live, everything else named for a restart.

import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../gateway/src/config/schema.js';
import { demoConfig } from '../../../gateway/src/config/demo.js';
import { reloadPlan } from '../../../gateway/src/config/reload-plan.js';

const parse = (patch: (c: ReturnType<typeof demoConfig>) => void = () => {}) => {
  const input = demoConfig();
  patch(input);
  return configSchema.parse(input);
};

describe('reloadPlan', () => {
  it('finds nothing to do in the same file', () => {
    expect(reloadPlan(parse(), parse())).toEqual({ live: [], restart: [] });
  });

  it('takes log.level, the roster and a site live, and names a rule set and a channel change for a restart', () => {
    const after = parse((c) => {
      c.log = { level: 'debug' };
      c.sites[0]!.name = '改名';
      c.rules = [];
      c.notify = { roster: { people: { li: { name: '李', contacts: [{ channel: 'hook' }] } } }, channels: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/h', secret: 'webhook-secret-0123' } } };
    });
    const plan = reloadPlan(parse(), after);
    expect([...plan.live].sort()).toEqual(['log.level', 'notify.roster', 'sites[kitchen-01]']);
    expect([...plan.restart].sort()).toEqual(['notify.channels', 'rules']);
  });

  it('takes regions, organisations and added or removed sites live (the fleet registry applies them)', () => {
    const after = parse((c) => {
      c.regions = [{ id: 'hubei', name: '湖北省', level: 'province' }];
      c.organisations = [{ id: 'gas-co', name: '武汉燃气' }];
      c.sites.push({ id: 'kitchen-02', name: '二号后厨', region: 'hubei', org: 'gas-co', devices: [] });
    });
    const plan = reloadPlan(parse(), after);
    expect([...plan.live].sort()).toEqual(['organisations', 'regions', 'sites[kitchen-02]']);
    expect(plan.restart).toEqual([]);
    expect(reloadPlan(after, parse()).live).toContain('sites[kitchen-02]');
  });
});
