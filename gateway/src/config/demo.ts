// The built-in demo site, used when no config file exists: one restaurant kitchen with a
// methane + CO detector, a gas shut-off valve and an exhaust fan. Its passwords are public
// (they are printed by the demo), so never use this config for real devices.

import type { ConfigInput } from './schema.js';

export const DEMO_SITE = 'kitchen-01';

export const DEMO_PASSWORDS = {
  'gas-01': 'demo-gas-01',
  'valve-01': 'demo-valve-01',
  'fan-01': 'demo-fan-01',
} as const;

export function demoConfig(): ConfigInput {
  return {
    sites: [
      {
        id: DEMO_SITE,
        name: '示范餐馆后厨 (demo restaurant kitchen)',
        devices: [
          {
            id: 'gas-01',
            kind: 'detector',
            passwordHash: 'scrypt$16384$8$1$DOcde8e+6nkfebyiVzEQdg==$G57hHYSijaqHyCr5B+WMq5+Hf2fdvQiRDlwBLrmV0kw=',
            channels: { ch4: { quantity: 'methane_lel' }, co: { quantity: 'co_ppm' } },
          },
          { id: 'valve-01', kind: 'valve', passwordHash: 'scrypt$16384$8$1$4pHCxPQ7C/6RrNrFNdDhiA==$12BifwWUuw8oWOKgTzg24iJHX/20NmSHyzn7DX4oCyI=' },
          { id: 'fan-01', kind: 'fan', passwordHash: 'scrypt$16384$8$1$hH8WWSLw622NXtk3e/AubQ==$0NpVKxvnKHQfFntSMHvGmUm7I/rrcow0jPymjqXvfl8=' },
        ],
      },
    ],
  };
}
