// DingTalk @-mentions through the notifier and a real robot receiver that checks the 加签
// signature: a red alarm calls the duty officer by mobile; a yellow one and the all-clear do not.

import { describe, expect, it } from 'vitest';
import { eventually } from '../../support/gateway.js';
import { startHttpReceiver } from '../../support/receivers.js';
import { tempDir } from '../../support/tmp.js';
import { openHarness, rosterInput } from './notify-fixture.js';
import { useGatewayFixture } from '../../support/fixture.js';

const SECRET = 'SEC-ding-secret-01';
const ZHANG = '13800000001';

interface DingMessage {
  markdown: { title: string; text: string };
  at: { atMobiles: string[]; isAtAll: boolean };
}

describe('DingTalk @-mentions of the people on duty', () => {
  const fx = useGatewayFixture();

  it('a red alarm @-mentions the duty officer; a yellow alarm and the all-clear do not', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const rx = await startHttpReceiver({ dingtalkSecret: SECRET });
    fx.defer(() => rx.close());
    const channels = { ding: { type: 'dingtalk' as const, url: `${rx.url}/dingtalk?access_token=t`, secret: SECRET } };
    const input = { ...rosterInput(channels, { zhang: [{ channel: 'ding', to: ZHANG }], wang: [{ channel: 'ding', to: '13800000002' }], zhao: [{ channel: 'ding' }] }), delivery: { pollMs: 10, baseDelayMs: 20 } };
    // The wall clock: the robot refuses a signature timestamp more than an hour off.
    let now = Date.now();
    const h = openHarness(dir.path, input, () => now);
    fx.defer(() => h.close());
    h.notifier.start();
    const messages = (): DingMessage[] => rx.shown('/dingtalk').map((d) => d.json as DingMessage);

    h.move('gas-02', null, 'yellow', 22);
    const yellow = await eventually(() => messages().find((m) => m.markdown.title.startsWith('【黄色预警】')), 5000, 'yellow alarm');
    expect(yellow.at).toEqual({ atMobiles: [], isAtAll: false });

    now += 1000;
    h.move('gas-01', null, 'red', 62);
    const red = await eventually(() => messages().find((m) => m.markdown.title.startsWith('【红色预警】')), 5000, 'red alarm');
    // Red starts at the duty tier (roster tiers): 张 is called, not the shift leader.
    expect(red.at).toEqual({ atMobiles: [ZHANG], isAtAll: false });
    expect(red.markdown.text).toContain(`\n\n@${ZHANG}\n\n`);
    expect(red.markdown.text).not.toContain('13800000002');

    now += 1000;
    h.move('gas-01', 'red', null, 1);
    const cleared = await eventually(() => messages().find((m) => m.markdown.title.startsWith('【已解除】')), 5000, 'all-clear');
    expect(cleared.at.atMobiles).toEqual([]);
    expect(rx.refused).toEqual([]);
  });
});
