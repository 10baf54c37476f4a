// The notification setup most end-to-end notify tests share: 张 on duty around the clock, on a
// webhook and a DingTalk robot served by a real HTTP receiver (receivers.ts) that checks the
// same secrets, with delivery polled fast enough for a test.

import type { NotifyConfigInput } from '../../gateway/src/config/notify-schema.js';

/** The secrets the channels below sign with; give them to startHttpReceiver so it checks them. */
export const RECEIVER_SECRETS = { webhookSecret: 'webhook-secret-0123', dingtalkSecret: 'SEC-ding-secret-01' } as const;

/** The `notify:` section: channels `hook` and `ding` at `rxUrl`, 张 on both all day. */
export function zhangOnDuty(rxUrl: string): NotifyConfigInput {
  return {
    publicUrl: 'http://127.0.0.1:8080',
    channels: {
      hook: { type: 'webhook', url: `${rxUrl}/webhook`, secret: RECEIVER_SECRETS.webhookSecret },
      ding: { type: 'dingtalk', url: `${rxUrl}/dingtalk?access_token=t`, secret: RECEIVER_SECRETS.dingtalkSecret },
    },
    roster: {
      people: { zhang: { name: '张值班', contacts: [{ channel: 'hook' }, { channel: 'ding' }] } },
      shifts: [{ id: 'all-day', start: '00:00', end: '00:00', duty: ['zhang'] }],
    },
    delivery: { pollMs: 20, baseDelayMs: 50, maxDelayMs: 200 },
  };
}
