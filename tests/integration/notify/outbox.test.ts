// The outbox: rows written with the alarm move (same transaction), keyed per step, recipient and
// channel; delivered at least once, shown exactly once by a deduplicating receiver; failed rows
// listed and reported; pending rows sent after a restart.

import { describe, expect, it } from 'vitest';
import type { OutboxRow } from '../../../gateway/src/notify/outbox.js';
import { eventually } from '../../support/gateway.js';
import { startHttpReceiver, type HttpReceiver } from '../../support/receivers.js';
import { tempDir } from '../../support/tmp.js';
import { eventIds, openHarness, rosterInput, type Harness } from './notify-fixture.js';
import { useGatewayFixture } from '../../support/fixture.js';

const SECRET = 'webhook-secret-0123';

describe('notification outbox and delivery', () => {
  const fx = useGatewayFixture();

  async function setup(
    opts: { delivery?: Record<string, number>; hookLimits?: { concurrency: number; perMinute: number }; answerDelayMs?: number; secret?: string; onDeliveryFailed?: (row: OutboxRow) => void; suppress?: () => boolean } = {},
  ): Promise<{ h: Harness; rx: HttpReceiver; open: () => Harness }> {
    const tmp = tempDir();
    fx.defer(() => tmp.remove());
    const dir = tmp.path;
    const rx = await startHttpReceiver({ webhookSecret: SECRET, ...(opts.answerDelayMs ? { answerDelayMs: opts.answerDelayMs } : {}) });
    fx.defer(() => rx.close());
    const input = {
      ...rosterInput(
        { hook: { type: 'webhook' as const, url: `${rx.url}/webhook`, secret: opts.secret ?? SECRET, ...(opts.hookLimits ?? { concurrency: 2, perMinute: 1000 }) }, wecom: { type: 'wecom' as const, url: `${rx.url}/wecom?key=k` } },
        { zhang: [{ channel: 'hook' }, { channel: 'wecom' }], wang: [{ channel: 'hook' }], zhao: [{ channel: 'hook' }] },
      ),
      delivery: { baseDelayMs: 20, maxDelayMs: 100, pollMs: 10, maxAttempts: 50, ...opts.delivery },
    };
    const open = (): Harness => {
      const h = openHarness(dir, input, Date.now, { ...(opts.onDeliveryFailed ? { onDeliveryFailed: opts.onDeliveryFailed } : {}), ...(opts.suppress ? { suppress: opts.suppress } : {}) });
      fx.defer(() => h.close());
      return h;
    };
    return { h: open(), rx, open };
  }

  it('writes one row per recipient and channel with the key eventId:recipient:channel, yellow up only', async () => {
    const { h } = await setup();
    const red = h.move('gas-01', null, 'red', 62)!;
    const [raised] = eventIds(h.db, red.id);
    const rows = h.notifier.outbox.list({ alarmId: red.id, limit: 10 });
    expect(rows.map((r) => r.key).sort()).toEqual([`${raised!.id}:zhang:hook`, `${raised!.id}:zhang:wecom`]);
    expect(rows.every((r) => r.state === 'pending' && r.kind === 'raised' && r.title === '【红色预警】示范餐馆后厨 甲烷报警')).toBe(true);

    const blue = h.move('gas-02', null, 'blue', 12)!;
    expect(h.notifier.outbox.list({ alarmId: blue.id, limit: 10 })).toEqual([]);
    const yellow = h.move('gas-03', null, 'yellow', 22)!;
    expect(h.notifier.outbox.list({ alarmId: yellow.id, limit: 10 })).toHaveLength(2);
  });

  it('rolls the rows back with the alarm move when the transaction fails', async () => {
    const { h } = await setup();
    h.repo.onSave(() => {
      throw new Error('disk full (test)');
    });
    // The refused move is held and saved again later (alarms/pending-saves.ts), not thrown.
    expect(h.move('gas-01', null, 'red', 62)?.level).toBe('red');
    expect(h.alarms.heldSaves()).toBe(1);
    expect(h.db.prepare('SELECT COUNT(*) AS n FROM alarm').get()).toEqual({ n: 0 });
    expect(h.notifier.outbox.counts()).toEqual({ pending: 0, sent: 0, failed: 0 });
  });

  it('sends nothing for a suppressed alarm', async () => {
    const { h } = await setup({ suppress: () => true });
    const red = h.move('gas-01', null, 'red', 62)!;
    expect(h.notifier.outbox.list({ alarmId: red.id, limit: 10 })).toEqual([]);
  });

  it('tells everyone who heard of an alarm that it cleared', async () => {
    const { h } = await setup();
    const a = h.move('gas-01', null, 'red', 62)!;
    h.move('gas-01', 'red', null, 3);
    const cleared = h.notifier.outbox.list({ alarmId: a.id, limit: 10 }).filter((r) => r.kind === 'cleared');
    expect(cleared.map((r) => `${r.recipient}:${r.channel}`).sort()).toEqual(['zhang:hook', 'zhang:wecom']);
    expect(cleared[0]!.title).toBe('【已解除】示范餐馆后厨 甲烷报警（红色预警）');
  });

  it('receiver down for a while, then up: each notification is shown exactly once', async () => {
    const { h, rx } = await setup();
    await rx.down();
    const alarms = ['gas-01', 'gas-02', 'gas-03'].map((d, i) => h.move(d, null, 'red', 60 + i)!);
    h.notifier.start();
    await eventually(() => h.notifier.stats().retried >= 6, 5000, 'retries while the receiver is down');
    expect(rx.accepted).toEqual([]);
    await rx.up();
    await eventually(() => h.notifier.outbox.counts().pending === 0, 10_000, 'outbox drained');

    const expectedKeys = alarms.flatMap((a) => {
      const id = eventIds(h.db, a.id)[0]!.id;
      return [`${id}:zhang:hook`, `${id}:zhang:wecom`];
    });
    expect(rx.shown().map((d) => d.key).sort()).toEqual(expectedKeys.sort());
    expect(h.notifier.stats()).toMatchObject({ sent: 6, failed: 0, pending: 0 });
    expect(rx.refused).toEqual([]);
  });

  it('after the last attempt marks the row failed, reports it once and lists it', async () => {
    const failed: OutboxRow[] = [];
    const { h, rx } = await setup({ delivery: { maxAttempts: 3 }, onDeliveryFailed: (row) => failed.push(row) });
    await rx.down();
    const a = h.move('gas-01', null, 'orange', 40)!;
    h.notifier.start();
    await eventually(() => h.notifier.outbox.counts().failed === 2, 5000, 'both rows failed');
    expect(failed.map((r) => r.channel).sort()).toEqual(['hook', 'wecom']);
    expect(failed.every((r) => r.attempts === 3 && /cannot reach/.test(r.lastError ?? ''))).toBe(true);
    const listed = h.notifier.outbox.failed();
    expect(listed.map((r) => r.alarmId)).toEqual([a.id, a.id]);
    expect(listed.every((r) => r.state === 'failed' && r.attempts === 3)).toBe(true);
    expect(h.notifier.stats()).toMatchObject({ failed: 2, retried: 4, sent: 0 });
  });

  it('does not retry what cannot succeed (the receiver refuses the signature)', async () => {
    const failed: OutboxRow[] = [];
    const { h, rx } = await setup({ secret: 'not-the-receivers-secret', onDeliveryFailed: (row) => failed.push(row) });
    h.move('gas-01', null, 'red', 62);
    h.notifier.start();
    await eventually(() => failed.length === 1, 5000, 'the webhook row failed');
    expect(failed[0]).toMatchObject({ channel: 'hook', attempts: 1 });
    expect(failed[0]!.lastError).toMatch(/HTTP 401/);
    expect(rx.refused).toEqual([{ path: '/webhook', reason: 'bad signature' }]);
  });

  it('stopped between the transition and the delivery: delivered after restart', async () => {
    const { h, rx, open } = await setup();
    const a = h.move('gas-01', null, 'red', 62)!;
    h.close(); // killed: never started, nothing sent
    expect(rx.accepted).toEqual([]);

    const again = open();
    again.notifier.start();
    await eventually(() => rx.shown().length === 2, 5000, 'delivery after restart');
    const id = eventIds(again.db, a.id)[0]!.id;
    expect(rx.shown().map((d) => d.key).sort()).toEqual([`${id}:zhang:hook`, `${id}:zhang:wecom`]);
    await eventually(() => again.notifier.outbox.counts().sent === 2, 5000, 'rows marked sent');
    expect(again.notifier.outbox.counts()).toEqual({ pending: 0, sent: 2, failed: 0 });
    // Sent rows are pruned after their keeping time, never pending or failed ones.
    expect(again.notifier.outbox.pruneSent(Date.now() - 60_000)).toBe(0);
    expect(again.notifier.outbox.pruneSent(Date.now() + 1)).toBe(2);
  });

  it('keeps each channel within its concurrency and per-minute limits', async () => {
    const { h, rx } = await setup({ hookLimits: { concurrency: 1, perMinute: 3 }, answerDelayMs: 50 });
    for (const d of ['gas-01', 'gas-02', 'gas-03', 'gas-04', 'gas-05']) h.move(d, null, 'red', 62);
    h.notifier.start();
    await eventually(() => rx.shown('/webhook').length === 3, 5000, 'three webhook sends');
    await eventually(() => rx.shown('/wecom').length === 5, 5000, 'five WeCom sends');
    await new Promise((r) => setTimeout(r, 300));
    // The minute's budget is spent: the other two wait for the window to move on.
    expect(rx.shown('/webhook')).toHaveLength(3);
    expect(h.notifier.outbox.list({ state: 'pending', limit: 10 }).map((r) => r.channel)).toEqual(['hook', 'hook']);
    // One webhook request at a time; WeCom's default allows two.
    expect(rx.maxInFlight('/webhook')).toBe(1);
    expect(rx.maxInFlight('/wecom')).toBe(2);
  });
});
