// A gateway killed (SIGKILL, a child process) between an alarm and its notifications: the outbox
// rows committed with the alarm, so the next start on the same data directory delivers each of
// them once, and raises the alarm only once.

import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { statePath } from '../../../gateway/src/store/state-db.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { cliMissing } from '../../support/gateway-process.js';
import { eventually } from '../../support/gateway.js';
import { startHttpReceiver } from '../../support/receivers.js';
import { RECEIVER_SECRETS, zhangOnDuty } from '../../support/duty-notify.js';

const noCli = cliMissing();
if (noCli) console.warn(`SIGKILL notification test skipped: ${noCli}`);

/** 张 on duty around the clock, on a webhook and a DingTalk robot at `rxUrl`. */
const notifyAt = (rxUrl: string) => (input: ConfigInput): void => {
  input.notify = zhangOnDuty(rxUrl);
};

describe.skipIf(noCli !== null)('notifications across a SIGKILL', () => {
  const fx = useGatewayFixture();

  it('killed between the transition and the delivery: the alarm is delivered, once, after restart', async () => {
    const rx = await startHttpReceiver(RECEIVER_SECRETS);
    fx.defer(() => rx.close());
    await rx.down();
    const first = await fx.startProcess({ patch: notifyAt(rx.url) });
    const gas = await fx.device(first, 'gas-01');
    await gas.publish({ ch4: 70 }, { ch4: 70 }, { ch4: 70 }, { ch4: 70 }); // past the kitchen preset's 2 s on-delay

    const state = new Database(statePath(first.dataDir), { readonly: true });
    fx.defer(() => state.close());
    // The alarm's own rows (the stop-work order it issued is told in rows of its own).
    const tried = state.prepare(
      "SELECT id, key, channel FROM notify_outbox WHERE state = 'pending' AND attempts >= 1 AND kind = 'raised' AND level = 'red' AND title LIKE '%甲烷报警%' ORDER BY channel",
    );
    const pending = await eventually(() => {
      const rows = tried.all() as { id: number; key: string; channel: string }[];
      return rows.length === 2 ? rows : undefined;
    }, 10_000, 'both channels tried while the receiver is down');
    expect(pending.map((r) => r.channel)).toEqual(['ding', 'hook']);
    await first.kill();

    await rx.up();
    const second = await fx.start({ dataDir: first.dataDir, patch: notifyAt(rx.url) });
    // The methane alarm's: the valve nobody simulates here raises a red alarm of its own later.
    const raised = () =>
      rx.shown().filter((d) =>
        d.path.startsWith('/webhook')
          ? (d.json as { notice: string; kind: string }).notice === 'raised' && (d.json as { kind: string }).kind === 'threshold'
          : (d.json as { markdown: { title: string } }).markdown.title.includes('甲烷报警'),
      );
    await eventually(() => raised().length === 2, 10_000, 'delivery after restart');
    expect(raised().map((d) => d.key).sort()).toEqual(pending.map((r) => r.key).sort());
    expect((raised().find((d) => d.path.startsWith('/webhook'))!.json as { title: string }).title).toMatch(/^【红色预警】示范餐馆后厨/);
    // The restart raised nothing twice: one methane alarm, one notification per channel.
    expect(second.alarmRepo.list({ limit: 10 }).filter((a) => a.kind === 'threshold')).toHaveLength(1);
    await eventually(() => pending.every((r) => second.notifier.outbox.get(r.id)?.state === 'sent'), 5000, 'rows marked sent');
  });
});
