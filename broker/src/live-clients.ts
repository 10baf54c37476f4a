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
   * Closes every connection of these accounts; returns how many were open. One that fails to
   * close goes to `onError` and the rest are still cut.
   */
  close(usernames: Iterable<string>, onError: (err: unknown, username: string, client: C) => void): number {
    let closed = 0;
    for (const username of usernames) {
      const set = this.byUsername.get(username);
      if (set === undefined) continue;
      this.byUsername.delete(username);
      for (const client of set) {
        if (client.closed) continue;
        closed++;
        try {
          client.close();
        } catch (err) {
          onError(err, username, client);
        }
      }
    }
    return closed;
  }

  get size(): number {
    return this.byUsername.size;
  }
}
