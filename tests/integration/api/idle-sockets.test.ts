// Idle and slow sockets on the API port cannot hold the gateway's descriptors: the API keeps at
// most api.maxConnections open, closes the oldest idle one to let a new client in, and cuts a
// client that sends its headers a byte at a time.

import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveMaxConnections, openFileLimit } from '../../../dashboard-api/src/connection-guard.js';
import { eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';

const CAP = 40;

function openIdle(port: number, n: number): { sockets: Socket[]; closed: () => number } {
  let closed = 0;
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {}); // a reset from the gateway is what the test expects
    s.on('close', () => closed++);
    sockets.push(s);
  }
  return { sockets, closed: () => closed };
}

describe('API under an idle-socket flood', () => {
  const dir = tempDir();
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let port: number;
  const opened: Socket[] = [];
  beforeAll(async () => {
    gateway = await startTestGateway(
      testConfig(dir.path, (c) => {
        c.api = { ...c.api, maxConnections: CAP, headersTimeoutS: 1, requestTimeoutS: 2, idleTimeoutS: 30, streamPingS: 15 };
      }),
    );
    port = gateway.apiPort!;
  });
  afterAll(async () => {
    for (const s of opened) s.destroy();
    await gateway?.stop();
    dir.remove();
  });

  it('answers /healthz while ten times its connection cap of idle sockets are open, holding no more than the cap', async () => {
    const flood = openIdle(port, CAP * 10);
    opened.push(...flood.sockets);
    // Every socket beyond the cap is closed (the oldest idle ones first), none is kept waiting.
    await eventually(() => flood.closed() >= CAP * 9 || undefined, 10_000, 'sockets beyond the cap closed');
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
    }
    expect(flood.sockets.filter((s) => !s.destroyed && s.readyState === 'open').length).toBeLessThanOrEqual(CAP);
  });

  it('cuts a client that sends its request headers a byte at a time once headersTimeoutS has passed', async () => {
    const s = connect(port, '127.0.0.1');
    opened.push(s);
    s.on('error', () => {});
    const closedAt = new Promise<number>((resolve) => s.on('close', () => resolve(Date.now())));
    const start = Date.now();
    const text = 'GET /healthz HTTP/1.1\r\nX-Slow: ';
    let i = 0;
    const drip = setInterval(() => {
      if (s.writable) s.write(text.charAt(i++ % text.length));
    }, 200);
    try {
      const at = await Promise.race([closedAt, new Promise<number>((r) => setTimeout(() => r(-1), 8_000))]);
      expect(at, 'the slow client was never cut').toBeGreaterThan(0);
      expect(at - start).toBeLessThan(4_000); // headersTimeoutS 1 + the 1 s check interval + slack
    } finally {
      clearInterval(drip);
    }
  });
});

describe('API connection cap', () => {
  it('takes at most a quarter of the open-file limit, whatever the config says', () => {
    expect(effectiveMaxConnections(1024, 2048)).toBe(512);
    expect(effectiveMaxConnections(100, 2048)).toBe(100);
    expect(effectiveMaxConnections(1024, null)).toBe(1024);
  });

  it('reads the soft open-file limit from /proc/self/limits', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            2048                 4096                 files\n';
    expect(openFileLimit(text)).toBe(2048);
    expect(openFileLimit('Max open files            unlimited            unlimited            files\n')).toBeNull();
  });
});
