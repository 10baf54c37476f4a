// Who holds each MQTT client id. MQTT 3.1.1 §3.1.4 lets a new CONNECT with a live client id take
// over the session, which would let one leaked detector password knock a gas valve off by reusing
// its client id; here a takeover is allowed only to the same identity or a gateway account.

import { deviceKey } from '../../gateway/src/contract/ids.js';
import type { Identity } from './auth.js';

/** What the broker knows of a connection that holds a client id. */
export interface Holder {
  readonly identity: Identity;
  /** aedes sets `closed` once the connection is gone. */
  readonly client: { readonly closed: boolean };
}

export type TakeoverVerdict = { readonly ok: true } | { readonly ok: false; readonly holder: Identity };

/** A stable name for an identity, used to compare them and in logs. */
export function identityName(identity: Identity): string {
  return identity.role === 'device' ? `device ${deviceKey(identity)}` : `gateway ${identity.username}`;
}

/** Pure: may `next` take the client id that `holder` (if any) is using? */
export function mayTakeOver(holder: Holder | undefined, next: Identity): TakeoverVerdict {
  if (holder === undefined || holder.client.closed) return { ok: true };
  // The same device reconnecting (a half-open TCP connection it gave up on) must win: otherwise a
  // valve behind a flaky 4G link would be locked out by its own ghost until the keep-alive expires.
  if (identityName(holder.identity) === identityName(next)) return { ok: true };
  // Operators with a gateway account may evict anything (ops tools, a second gateway).
  if (next.role === 'gateway') return { ok: true };
  return { ok: false, holder: holder.identity };
}

/**
 * Client id → holder, set when a login succeeds, before aedes registers the client: two CONNECTs
 * racing for one id see each other even while aedes is still restoring the first one's session.
 */
export class ClientIdOwners {
  private readonly holders = new Map<string, Holder>();

  claim(clientId: string, holder: Holder): TakeoverVerdict {
    const verdict = mayTakeOver(this.holders.get(clientId), holder.identity);
    if (verdict.ok) this.holders.set(clientId, holder);
    return verdict;
  }

  /** The connection `client` is gone: forget it unless someone else holds the id by now. */
  release(clientId: string, client: Holder['client']): void {
    if (this.holders.get(clientId)?.client === client) this.holders.delete(clientId);
  }

  get size(): number {
    return this.holders.size;
  }
}
