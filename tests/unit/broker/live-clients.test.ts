// Which connections a revoked account has (broker/src/live-clients.ts): all of them are cut, one
// that fails to close does not keep the others up, and a connection already gone is not counted.

import { describe, expect, it } from 'vitest';
import { LiveClients, usernameOf } from '../../../broker/src/live-clients.js';
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
