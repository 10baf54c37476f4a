// The pure parts of the channels: signatures, the SMS template, the WeCom size limit, backoff.

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dingtalkSignedUrl } from '../../../gateway/src/notify/channels/dingtalk.js';
import { fillTemplate } from '../../../gateway/src/notify/channels/sms.js';
import { webhookSignature } from '../../../gateway/src/notify/channels/webhook.js';
import { fitBytes } from '../../../gateway/src/notify/channels/wecom.js';
import { backoffMs } from '../../../gateway/src/notify/delivery.js';

describe('channel helpers', () => {
  it('signs the DingTalk URL with timestamp and URL-encoded base64 HMAC of "timestamp\\nsecret"', () => {
    const url = dingtalkSignedUrl('http://127.0.0.1/robot/send?access_token=t', 'SECabc+/=', 1_700_000_000_000);
    const q = new URL(url).searchParams;
    expect(q.get('access_token')).toBe('t');
    expect(q.get('timestamp')).toBe('1700000000000');
    const expected = createHmac('sha256', 'SECabc+/=').update('1700000000000\nSECabc+/=').digest('base64');
    expect(q.get('sign')).toBe(expected);
    expect(url).toContain(`sign=${encodeURIComponent(expected)}`);
    expect(dingtalkSignedUrl('http://127.0.0.1/x', undefined, 1)).toBe('http://127.0.0.1/x');
  });

  it('signs the webhook over timestamp.body', () => {
    const sig = webhookSignature('0123456789abcdef', '42', '{"a":1}');
    expect(sig).toBe(`sha256=${createHmac('sha256', '0123456789abcdef').update('42.{"a":1}').digest('hex')}`);
  });

  it('escapes SMS placeholders for JSON and leaves unknown ones visible', () => {
    const body = fillTemplate('{"to":"{{to}}","text":"{{text}}","x":"{{nope}}"}', { to: '13800000000', text: '他说"泄漏"\n' }, (v) => JSON.stringify(v).slice(1, -1));
    expect(JSON.parse(body)).toEqual({ to: '13800000000', text: '他说"泄漏"\n', x: '{{nope}}' });
    expect(fillTemplate('http://h/send?m={{text}}', { text: '甲烷 & co' }, encodeURIComponent)).toBe('http://h/send?m=%E7%94%B2%E7%83%B7%20%26%20co');
  });

  it('cuts WeCom markdown to 4096 bytes at a character boundary', () => {
    const cut = fitBytes('甲'.repeat(2000), 4096);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(4096);
    expect(cut.endsWith('…')).toBe(true);
    expect(fitBytes('short', 4096)).toBe('short');
  });

  it('doubles the backoff per failure, caps it, and jitters within the upper half', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 60_000 };
    expect([1, 2, 3, 4].map((n) => backoffMs(n, policy, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(n, policy, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffMs(20, policy, () => 1)).toBe(60_000);
  });
});
