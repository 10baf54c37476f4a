// Which peers are reverse proxies whose X-Forwarded-For is believed (api.trustedProxies): exact
// addresses or CIDR ranges (validated by gateway/src/config/proxy-entry.ts), checked with Node's
// BlockList. fastify's trustProxy reads the same list.

import { BlockList, isIP } from 'node:net';

/** A membership test over the entries (already validated by the config schema). */
export function trustedProxyTest(entries: readonly string[]): (address: string) => boolean {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return (address) => {
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}
