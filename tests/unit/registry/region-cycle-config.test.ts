// A region tree with a cycle is refused when the file is read (check-config, start), naming each
// region on the cycle, rather than when the registry is given it.

import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../gateway/src/config/schema.js';
import { demoConfig } from '../../../gateway/src/config/demo.js';

describe('regions in the config file', () => {
  it('refuses a cycle, naming the regions on it by their parent field', () => {
    const input = demoConfig();
    input.regions = [
      { id: 'root', name: 'root', level: 'province' },
      { id: 'a', name: 'a', level: 'city', parent: 'b' },
      { id: 'b', name: 'b', level: 'county', parent: 'a' },
      { id: 'c', name: 'c', level: 'town', parent: 'a' },
    ];
    const result = configSchema.safeParse(input);
    expect(result.success).toBe(false);
    const cycles = result.error!.issues.filter((i) => i.message.includes('own ancestor')).map((i) => i.path.join('.'));
    expect(cycles).toEqual(['regions.1.parent', 'regions.2.parent']);
  });

  it('accepts a tree', () => {
    const input = demoConfig();
    input.regions = [
      { id: 'root', name: 'root', level: 'province' },
      { id: 'a', name: 'a', level: 'city', parent: 'root' },
      { id: 'b', name: 'b', level: 'county', parent: 'a' },
    ];
    expect(configSchema.safeParse(input).success).toBe(true);
  });
});
