// The live stream over a real socket (the gateway's API listening on a free loopback port): a
// client that reconnects with Last-Event-ID gets every event it missed and none twice, readings
// go only to clients that asked for the site, a client too far behind is told to reload, and a
// client that stops reading is dropped instead of buffered without bound.

import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import type { StopWorkOrder } from '../../../gateway/src/orders/stop-work.js';
import { DEMO_SITE, eventually } from '../../support/gateway.js';
import { startApiGateway, TOKENS } from './helpers.js';
import { levelTransition } from '../../support/transitions.js';
import type { RunningGateway } from '../../support/fixture.js';
import { sseReader } from '../../support/sse.js';

interface Frame {
  id: number | null;
  event: string;
  data: string;
}

interface StreamClient {
  readonly frames: Frame[];
  readonly comments: string[];
  readonly status: number;
  close(): void;
}

function openStream(port: number, path: string, headers: Record<string, string> = {}): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    // An empty authorization means none (EventSource sends no such header).
    const all: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${TOKENS.viewer}`, ...headers };
    if (all.authorization === '') delete all.authorization;
    const req = request({ host: '127.0.0.1', port, path, headers: all }, (res: IncomingMessage) => {
      const frames: Frame[] = [];
      const comments: string[] = [];
      res.setEncoding('utf8');
      res.on(
        'data',
        sseReader((block) => {
          comments.push(...block.comments);
          if (block.isEvent) frames.push({ id: block.id, event: block.event, data: block.data ?? '' });
        }),
      );
      res.on('error', () => {});
      resolve({ frames, comments, status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
    req.end();
  });
}

describe('live stream (SSE)', () => {
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let g: RunningGateway;
  let port: number;
  let n = 0;

  /** A device birth or will on the bus, as the status tracker emits it. */
  function status(device = 'gas-01'): void {
    g.events.emit('deviceStatus', { ref: { site: DEMO_SITE as SiteId, device: device as DeviceId }, state: n++ % 2 ? 'online' : 'offline', atMs: Date.now() });
  }

  beforeAll(async () => {
    env = await startApiGateway((input) => {
      input.api = { ...input.api, streamPingS: 0.2 };
    });
    g = env.gateway;
    port = g.apiPort!;
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('resumes with Last-Event-ID: every missed event once, in order, then live ones', async () => {
    const first = await openStream(port, '/api/v1/stream');
    expect(first.status).toBe(200);
    for (let i = 0; i < 3; i++) status();
    await eventually(() => first.frames.length === 3, 5000, 'three events');
    const lastSeen = first.frames[2]!.id!;
    first.close();

    // Missed while away: device events and a real alarm move through the service.
    for (let i = 0; i < 4; i++) status();
    const alarm = g.alarms.onTransition(levelTransition({ site: DEMO_SITE, device: 'gas-01', channel: 'co', quantity: 'co_ppm', ruleId: 'kitchen-co', from: null, to: 'yellow', value: 60, atMs: Date.now(), stopWork: false }))!;

    const second = await openStream(port, '/api/v1/stream', { 'last-event-id': String(lastSeen) });
    await eventually(() => second.frames.length >= 5, 5000, 'replayed events');
    status();
    await eventually(() => second.frames.length === 6, 5000, 'live event after the replay');
    const ids = second.frames.map((f) => f.id!);
    expect(ids).toEqual(Array.from({ length: 6 }, (_, i) => lastSeen + 1 + i));
    expect(second.frames.map((f) => f.event)).toEqual(['device', 'device', 'device', 'device', 'alarm', 'device']);
    const alarmEvent = JSON.parse(second.frames[4]!.data) as { alarm: { id: string }; event: { kind: string } };
    expect([alarmEvent.alarm.id, alarmEvent.event.kind]).toEqual([alarm.id, 'raised']);
    expect(JSON.parse(second.frames[0]!.data)).toMatchObject({ site: DEMO_SITE, device: 'gas-01', state: expect.stringMatching(/online|offline/) });
    second.close();
  });

  it('sends readings only for the sites asked for, never replays them, and pings', async () => {
    const withSite = await openStream(port, `/api/v1/stream?sites=${DEMO_SITE}&access_token=${TOKENS.viewer}`, { authorization: '' });
    const without = await openStream(port, '/api/v1/stream');
    const before = without.frames.length;
    g.events.emit('reading', { ref: { site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId }, telemetry: { tsMs: 1, seq: 1, readings: { ch4: 3.5 }, meta: undefined } as never });
    status();
    await eventually(() => withSite.frames.length === 2 && without.frames.length === before + 1, 5000, 'reading and device events');
    expect(withSite.frames[0]).toMatchObject({ event: 'reading' });
    expect(JSON.parse(withSite.frames[0]!.data)).toEqual({ site: DEMO_SITE, device: 'gas-01', tsMs: 1, readings: { ch4: 3.5 } });
    expect(without.frames.map((f) => f.event)).toEqual(['device']);
    // Resuming from before the reading replays the device event only.
    const resumed = await openStream(port, '/api/v1/stream', { 'last-event-id': String(withSite.frames[0]!.id! - 1) });
    await eventually(() => resumed.frames.length === 1, 5000, 'replay');
    expect(resumed.frames[0]!.event).toBe('device');
    await eventually(() => withSite.comments.includes(': ping'), 5000, 'a ping comment');
    for (const c of [withSite, without, resumed]) c.close();
  });

  it('refuses a stream without a valid token with 401 JSON', async () => {
    const res = await openStream(port, '/api/v1/stream?access_token=nope', { authorization: '' });
    expect(res.status).toBe(401);
    res.close();
  });

  it('tells a client whose events fell out of the buffer to reload (reset)', async () => {
    const c = await openStream(port, '/api/v1/stream');
    status();
    await eventually(() => c.frames.length === 1, 5000, 'one event');
    const old = c.frames[0]!.id!;
    c.close();
    for (let i = 0; i < 10_001; i++) status();
    const back = await openStream(port, '/api/v1/stream', { 'last-event-id': String(old) });
    await eventually(() => back.frames.length >= 1, 5000, 'reset');
    expect(back.frames[0]!.event).toBe('reset');
    expect(JSON.parse(back.frames[0]!.data)).toMatchObject({ lastEventId: old });
    // An id from a previous process lifetime (ahead of this one) is a reset too.
    const future = await openStream(port, '/api/v1/stream', { 'last-event-id': '999999999' });
    await eventually(() => future.frames.length >= 1, 5000, 'reset for a future id');
    expect(future.frames[0]!.event).toBe('reset');
    back.close();
    future.close();
  });

  it('drops a client that stops reading, while a reading client keeps up', async () => {
    const dropped = async (): Promise<number> => Number(/^shaobing_stream_dropped_clients (\d+)$/m.exec((await g.api!.inject({ method: 'GET', url: '/metrics' })).body)![1]);
    const droppedBefore = await dropped();
    const reader = await openStream(port, '/api/v1/stream');
    const stalled = connect(port, '127.0.0.1');
    await new Promise<void>((r) => stalled.once('connect', () => r()));
    stalled.write(`GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKENS.viewer}\r\n\r\n`);
    stalled.pause(); // reads nothing from now on
    let closed = false;
    stalled.on('close', () => (closed = true));
    stalled.on('error', () => {});
    await eventually(async () => /^shaobing_stream_clients 2$/m.test((await g.api!.inject({ method: 'GET', url: '/metrics' })).body), 5000, 'two clients');

    // 600 orders of ~50 KB: far more than the kernel's socket buffers and the 1 MiB allowance.
    const base = g.interlock.activeOrder(DEMO_SITE);
    const reason = 'x'.repeat(50_000);
    const order = { id: 'big', site: DEMO_SITE, state: 'active', reason, alarmId: 'a', issuedAtMs: 0, liftedAtMs: null, liftedBy: null, liftNote: null, commands: [], ...(base ?? {}) } as unknown as StopWorkOrder;
    const before = reader.frames.length;
    // A few events per turn of the event loop, so a client that reads can keep up.
    for (let i = 0; i < 600; i++) {
      g.events.emit('order', { order: { ...order, reason }, what: 'issued' });
      if (i % 4 === 3) await new Promise((r) => setTimeout(r, 1));
    }

    await eventually(async () => (await dropped()) === droppedBefore + 1, 10_000, 'the stalled client dropped');
    await eventually(() => reader.frames.length === before + 600, 15_000, 'the reader got every event');
    stalled.resume();
    await eventually(() => closed, 5000, 'the stalled socket closed');
    reader.close();
  });
});
