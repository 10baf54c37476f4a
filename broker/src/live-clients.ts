// The live MQTT connections of each account, so that a device removed from the fleet or given a
// new credential is cut at once instead of staying connected until it happens to reconnect.

import { deviceKey } from '../../gateway/src/contract/ids.js';
import type { Identity } from './account-index.js';

/** The username an identity logs in with (`site/device` for a device). */
export function usernameOf(identity: Identity): string {
  return identity.role === 'device' ? deviceKey(identity) : identity.username;
}

/** What is needed of an aedes client: whether it is gone, and how to close it. */
export interface Closable {
  readonly closed: boolean;
  close(): void;
}

/** Connections closed per turn of the event loop when many accounts are revoked at once. */
export const CLOSE_BATCH = 25;

/** Username → its open connections (usually one; two while a device replaces a half-open one). */
export class LiveClients<C extends Closable> {
  private readonly byUsername = new Map<string, Set<C>>();

  add(username: string, client: C): void {
    let set = this.byUsername.get(username);
    if (set === undefined) this.byUsername.set(username, (set = new Set()));
    set.add(client);
  }

  delete(username: string, client: C): void {
    const set = this.byUsername.get(username);
    if (set === undefined) return;
    set.delete(client);
    if (set.size === 0) this.byUsername.delete(username);
  }

  /**
   * Closes every connection of these accounts; returns how many were open. The first
   * CLOSE_BATCH go now, the rest a batch per turn of the event loop: cutting a gas company's
   * 5 000 kitchens in one go stalled the broker 1.1-1.3 s while other kitchens' alarms waited; in
   * batches of 25 the longest stall was 120-145 ms on a loaded 2-core machine, and the last
   * client was cut no later (bench/revoke-cut.ts). Logins are
   * refused at once either way: the accounts changed before this is called. A connection that
   * fails to close goes to `onError`.
   */
  close(usernames: Iterable<string>, onError: (err: unknown, username: string, client: C) => void, defer: (next: () => void) => void = setImmediate): number {
    const doomed: { username: string; client: C }[] = [];
    for (const username of usernames) {
      const set = this.byUsername.get(username);
      if (set === undefined) continue;
      this.byUsername.delete(username);
      for (const client of set) if (!client.closed) doomed.push({ username, client });
    }
    let next = 0;
    const batch = (): void => {
      const end = Math.min(doomed.length, next + CLOSE_BATCH);
      for (; next < end; next++) {
        const { username, client } = doomed[next]!;
        try {
          client.close();
        } catch (err) {
          onError(err, username, client);
        }
      }
      if (next < doomed.length) defer(batch);
    };
    batch();
    return doomed.length;
  }

  get size(): number {
    return this.byUsername.size;
  }
}
