// What a re-read config changes (SIGHUP): log.level and notify.roster live, everything else named
// for a restart, sites by id.

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

  it('takes log.level and the roster live, and names a site, a rule set and a channel change for a restart', () => {
    const after = parse((c) => {
      c.log = { level: 'debug' };
      c.sites[0]!.name = '改名';
      c.rules = [];
      c.notify = { roster: { people: { li: { name: '李', contacts: [{ channel: 'hook' }] } } }, channels: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/h', secret: 'webhook-secret-0123' } } };
    });
    const plan = reloadPlan(parse(), after);
    expect([...plan.live].sort()).toEqual(['log.level', 'notify.roster']);
    expect([...plan.restart].sort()).toEqual(['notify.channels', 'rules', 'sites[kitchen-01]']);
  });
});
