// shareChannels (gateway/src/config/share-channels.ts): devices of one channel profile share one
// frozen object after parsing, and nothing about a device's channels changes but identity.

import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../gateway/src/config/schema.js';
import { shareChannels } from '../../../gateway/src/config/share-channels.js';

const HASH = 'scrypt$2$8$1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5';

describe('shareChannels', () => {
  it('gives devices with the same channels one frozen object, and different profiles their own', () => {
    const detector = (id: string, channels: Record<string, { quantity: 'methane_lel' | 'co_ppm' }>) => ({ id, kind: 'detector' as const, passwordHash: HASH, channels });
    const config = configSchema.parse({
      sites: [
        { id: 's-1', name: 'one', devices: [detector('d-1', { ch4: { quantity: 'methane_lel' }, co: { quantity: 'co_ppm' } }), detector('d-2', { ch4: { quantity: 'methane_lel' }, co: { quantity: 'co_ppm' } })] },
        { id: 's-2', name: 'two', devices: [detector('d-1', { ch4: { quantity: 'methane_lel' }, co: { quantity: 'co_ppm' } }), detector('d-3', { co: { quantity: 'co_ppm' }, ch4: { quantity: 'methane_lel' } })] },
      ],
    });
    const [a, b] = config.sites[0]!.devices;
    const [c, d] = config.sites[1]!.devices;
    expect(b!.channels).toBe(a!.channels);
    expect(c!.channels).toBe(a!.channels);
    // Same channels in another order: another profile (the first channel is the device's main quantity).
    expect(d!.channels).not.toBe(a!.channels);
    expect(Object.keys(d!.channels)).toEqual(['co', 'ch4']);
    expect(a!.channels).toEqual({ ch4: { quantity: 'methane_lel' }, co: { quantity: 'co_ppm' } });
    expect(Object.isFrozen(a!.channels)).toBe(true);
    expect(Object.isFrozen(a!.channels['ch4'])).toBe(true);
  });

  it('leaves a channels object with more than a quantity as it is', () => {
    const odd = { ch4: { quantity: 'methane_lel' as const, note: 'x' } };
    expect(shareChannels(odd)).toBe(odd);
    expect(Object.isFrozen(odd)).toBe(false);
  });
});
