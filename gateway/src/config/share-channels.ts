// Devices of one profile share one frozen `channels` object after parsing (memory): a
// fleet of 50 000 identical two-channel detectors otherwise holds 150 000 small objects (~8 MB)
// that say the same thing.

import type { Quantity } from './quantities.js';

type Channels = Record<string, { quantity: Quantity }>;

/** Distinct profiles remembered; a config with more keeps the rest as parsed (nothing breaks, it only costs memory). */
const MAX_PROFILES = 1000;
const profiles = new Map<string, Channels>();

/** The shared, frozen object equal to `channels` (same channels, same quantities, same order). */
export function shareChannels<C extends Channels>(channels: C): C {
  const entries = Object.entries(channels);
  // Only the plain { quantity } shape is shared: anything more stays the device's own.
  if (!entries.every(([, spec]) => Object.keys(spec).length === 1)) return channels;
  // JSON of [channel, quantity] pairs: ids and quantities cannot collide with its punctuation.
  const signature = JSON.stringify(entries.map(([channel, spec]) => [channel, spec.quantity]));
  const known = profiles.get(signature);
  if (known !== undefined) return known as C;
  if (profiles.size >= MAX_PROFILES) return channels;
  for (const spec of Object.values(channels)) Object.freeze(spec);
  profiles.set(signature, Object.freeze(channels));
  return channels;
}
