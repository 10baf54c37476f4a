// Which connections a revoked account has (broker/src/live-clients.ts): all of them are cut, one
// that fails to close does not keep the others up, and a connection already gone is not counted.

import { describe, expect, it } from 'vitest';
import { CLOSE_BATCH, LiveClients, usernameOf } from '../../../broker/src/live-clients.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';

class Connection {
  closed = false;
  constructor(private readonly fails = false) {}
  close(): void {
    if (this.fails) throw new Error('socket already torn');
    this.closed = true;
  }
}

describe('LiveClients', () => {
  it('cuts every connection of the named accounts and none of the others', () => {
    const live = new LiveClients<Connection>();
    const [a1, a2, b] = [new Connection(), new Connection(), new Connection()];
    live.add('k1/gas-01', a1);
    live.add('k1/gas-01', a2);
    live.add('k1/gas-02', b);
    expect(live.close(['k1/gas-01', 'k1/nobody'], () => undefined)).toBe(2);
    expect([a1.closed, a2.closed, b.closed]).toEqual([true, true, false]);
    expect(live.size).toBe(1);
  });

  it('goes on past a connection that fails to close, and skips one already gone', () => {
    const live = new LiveClients<Connection>();
    const [torn, gone, fine] = [new Connection(true), new Connection(), new Connection()];
    gone.closed = true;
    for (const c of [torn, gone, fine]) live.add('k1/valve-01', c);
    const errors: string[] = [];
    expect(live.close(['k1/valve-01'], (err, username) => errors.push(`${username}: ${(err as Error).message}`))).toBe(2);
    expect(errors).toEqual(['k1/valve-01: socket already torn']);
    expect(fine.closed).toBe(true);
  });

  it('cuts a mass removal in batches, one per turn of the event loop, and counts them all at once', () => {
    const live = new LiveClients<Connection>();
    const all = Array.from({ length: CLOSE_BATCH * 2 + 5 }, () => new Connection());
    all.forEach((c, i) => live.add(`k${i}/gas-01`, c));
    const turns: (() => void)[] = [];
    const closedNow = () => all.filter((c) => c.closed).length;
    expect(live.close(all.map((_, i) => `k${i}/gas-01`), () => undefined, (next) => turns.push(next))).toBe(all.length);
    expect(closedNow()).toBe(CLOSE_BATCH);
    // Gone from the index at once: a reconnect that races the batches is not cut twice.
    expect(live.size).toBe(0);
    turns.shift()!();
    expect(closedNow()).toBe(CLOSE_BATCH * 2);
    turns.shift()!();
    expect(closedNow()).toBe(all.length);
    expect(turns).toHaveLength(0);
  });

  it('forgets a connection once it closed by itself', () => {
    const live = new LiveClients<Connection>();
    const c = new Connection();
    live.add('ops', c);
    live.delete('ops', c);
    expect(live.size).toBe(0);
    expect(usernameOf({ role: 'device', site: 'k1' as SiteId, device: 'gas-01' as DeviceId })).toBe('k1/gas-01');
    expect(usernameOf({ role: 'gateway', username: 'ops' })).toBe('ops');
  });
});
