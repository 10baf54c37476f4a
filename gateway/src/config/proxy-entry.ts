// One entry of api.trustedProxies: an IP address or a CIDR range, as Node's BlockList and
// fastify's trustProxy take them.

import { isIP } from 'node:net';

/** Why `entry` is not an address or CIDR range, or null when it is one. */
export function proxyEntryProblem(entry: string): string | null {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return `${JSON.stringify(entry)} is not an IP address or CIDR range (e.g. 127.0.0.1, 10.0.0.0/8, ::1)`;
  if (bits === undefined) return null;
  const max = family === 4 ? 32 : 128;
  return /^\d+$/.test(bits) && Number(bits) <= max ? null : `${JSON.stringify(entry)}: prefix length must be 0–${max}`;
}
