// A roster shift limited to regions must name regions of the file: a typo would leave a county's
// duty officer hearing of nothing, so the config is refused at load with the path and a suggestion.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../gateway/src/config/load.js';
import { ConfigError } from '../../../gateway/src/errors.js';
import { demoConfig } from '../../../gateway/src/config/demo.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';

function withShiftRegions(regions: string[]): ConfigInput {
  const input = demoConfig();
  input.regions = [{ id: 'county-a', name: '江汉区', level: 'county' }];
  input.sites[0]!.region = 'county-a';
  input.notify = {
    channels: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret-0123' } },
    roster: { people: { li: { name: '李明', contacts: [{ channel: 'hook' }] } }, shifts: [{ id: 'a', start: '00:00', end: '00:00', regions, duty: ['li'] }] },
  };
  return input;
}

describe('roster shifts by region', () => {
  it('loads a shift limited to a region of the file', () => {
    const { config } = loadConfig({ demo: () => withShiftRegions(['county-a']), env: {}, cwd: '/nonexistent' });
    expect(config.notify.roster.shifts[0]!.regions).toEqual(['county-a']);
  });

  it('refuses a shift naming a region the file does not have, with the nearest id', () => {
    let err: unknown;
    try {
      loadConfig({ demo: () => withShiftRegions(['county-b']), env: {}, cwd: '/nonexistent' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toContainEqual({ path: 'notify.roster.shifts[0].regions[0]', message: 'no region county-b in regions (did you mean "county-a"? use an id from regions:)' });
  });

  it('refuses per-region escalation naming a region the file does not have', () => {
    const input = withShiftRegions(['county-a']);
    input.notify!.escalationByRegion = [{ regions: ['county-x'], red: { climbAfterS: [30] } }];
    let err: unknown;
    try {
      loadConfig({ demo: () => input, env: {}, cwd: '/nonexistent' });
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems).toContainEqual({ path: 'notify.escalationByRegion[0].regions[0]', message: 'no region county-x in regions (did you mean "county-a"? use an id from regions:)' });
  });
});
