// Each channel against a real receiver on loopback that checks what the real service checks:
// the DingTalk signature by the published algorithm, the WeCom markdown format, the webhook HMAC,
// the SMS template, and a mail received by an SMTP server with its Chinese body.

import { describe, expect, it } from 'vitest';
import { DeliveryError, type Outgoing } from '../../../gateway/src/notify/channels/channel.js';
import { dingtalkChannel } from '../../../gateway/src/notify/channels/dingtalk.js';
import { emailChannel } from '../../../gateway/src/notify/channels/email.js';
import { smsChannel } from '../../../gateway/src/notify/channels/sms.js';
import { webhookChannel } from '../../../gateway/src/notify/channels/webhook.js';
import { wecomChannel } from '../../../gateway/src/notify/channels/wecom.js';
import { renderMessage } from '../../../gateway/src/notify/message.js';
import { startHttpReceiver, startSmtpReceiver } from '../../support/receivers.js';
import { useGatewayFixture } from '../../support/fixture.js';

const message = renderMessage({
  kind: 'raised',
  alarm: { id: 'alarm-1', site: 'kitchen-01', device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', level: 'red', value: 62, raisedAtMs: Date.parse('2026-11-23T08:40:00Z') },
  atMs: Date.parse('2026-11-23T08:40:00Z'),
  siteName: '示范餐馆后厨',
  timeZone: 'Asia/Shanghai',
  publicUrl: 'http://127.0.0.1:8080',
  language: 'zh',
});
const outgoing = (to: string | null = null): Outgoing => ({ key: '17:zhang:ch', to, ...message, data: { level: 'red', alarmId: 'alarm-1' } });
const SECRET = 'SEC0123456789abcdef';

describe('notification channels', () => {
  const fx = useGatewayFixture();

  it('DingTalk: the robot accepts the signed markdown and refuses a wrong secret (errcode, HTTP 200)', async () => {
    const rx = await startHttpReceiver({ dingtalkSecret: SECRET });
    fx.defer(() => rx.close());
    const url = `${rx.url}/dingtalk?access_token=token1`;
    await dingtalkChannel({ id: 'ding', url, secret: SECRET, timeoutMs: 2000, clock: Date.now }).send(outgoing());
    const got = rx.accepted[0]!;
    expect(got.json).toMatchObject({ msgtype: 'markdown', markdown: { title: '【红色预警】示范餐馆后厨 甲烷报警' } });
    expect((got.json as { markdown: { text: string } }).markdown.text).toContain('62 %LEL');
    expect(got.key).toBe('17:zhang:ch');

    const wrong = dingtalkChannel({ id: 'ding', url, secret: 'SECwrong-secret-xx', timeoutMs: 2000, clock: Date.now });
    const err = await wrong.send(outgoing()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as Error).message).toMatch(/errcode 310000 sign not match/);
    expect(rx.refused).toEqual([{ path: '/dingtalk', reason: 'sign not match' }]);
  });

  it('WeCom: markdown content within 4096 bytes is accepted; errcode != 0 is a failure', async () => {
    const rx = await startHttpReceiver();
    fx.defer(() => rx.close());
    await wecomChannel({ id: 'wecom', url: `${rx.url}/wecom?key=k1`, timeoutMs: 2000 }).send(outgoing());
    const content = (rx.accepted[0]!.json as { markdown: { content: string } }).markdown.content;
    expect(content).toContain('### 【红色预警】');
    expect(content).toContain('级别**：红色预警');
    // Without the key the robot answers errcode (as WeCom does for a bad key).
    const err = await wecomChannel({ id: 'wecom', url: `${rx.url}/wecom`, timeoutMs: 2000 }).send(outgoing()).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/WeCom refused: errcode 40008/);
  });

  it('webhook: JSON with a valid HMAC over timestamp.body; a wrong secret is refused with 401', async () => {
    const rx = await startHttpReceiver({ webhookSecret: 'webhook-secret-0123' });
    fx.defer(() => rx.close());
    await webhookChannel({ id: 'hook', url: `${rx.url}/webhook`, secret: 'webhook-secret-0123', headers: {}, timeoutMs: 2000, clock: Date.now }).send(outgoing());
    expect(rx.accepted[0]!.json).toMatchObject({ key: '17:zhang:ch', level: 'red', alarmId: 'alarm-1', link: 'http://127.0.0.1:8080/#/alarms/alarm-1' });
    const err = await webhookChannel({ id: 'hook', url: `${rx.url}/webhook`, secret: 'another-secret-0123', headers: {}, timeoutMs: 2000, clock: Date.now })
      .send(outgoing())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).retryable).toBe(false);
    expect(rx.refused).toEqual([{ path: '/webhook', reason: 'bad signature' }]);
  });

  it('SMS: the template is filled (JSON-escaped) and an answer without the ok field is a failure', async () => {
    let code = 0;
    const rx = await startHttpReceiver({ smsAnswer: () => ({ status: 200, body: { code } }) });
    fx.defer(() => rx.close());
    const sms = smsChannel({
      id: 'sms',
      url: `${rx.url}/sms`,
      method: 'POST',
      headers: { authorization: 'Bearer t' },
      body: '{"mobile":"{{to}}","content":"{{text}}","requestId":"{{key}}"}',
      contentType: 'application/json',
      okField: 'code',
      okValue: 0,
      maxChars: 70,
      timeoutMs: 2000,
    });
    await sms.send(outgoing('13800138000'));
    const body = rx.accepted[0]!.json as { mobile: string; content: string; requestId: string };
    expect(body.mobile).toBe('13800138000');
    expect(body.content.startsWith('【红色预警】示范餐馆后厨 甲烷报警')).toBe(true);
    expect([...body.content].length).toBeLessThanOrEqual(70);
    expect(body.requestId).toBe('17:zhang:ch');
    code = 1;
    await expect(sms.send(outgoing('13800138000'))).rejects.toThrow(/code=1/);
  });

  it('e-mail: the SMTP server receives a mail whose body has the Chinese text, level word and value with unit', async () => {
    const smtp = await startSmtpReceiver();
    fx.defer(() => smtp.close());
    const mail = emailChannel({ id: 'mail', host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, from: 'shaobing@example.cn', timeoutMs: 3000 });
    fx.defer(() => mail.close?.());
    await mail.send(outgoing('zhang@example.cn'));
    expect(smtp.mails).toHaveLength(1);
    const m = smtp.mails[0]!;
    expect(m.to).toEqual(['zhang@example.cn']);
    expect(m.subject).toBe('【红色预警】示范餐馆后厨 甲烷报警');
    expect(m.text).toContain('级别：红色预警');
    expect(m.text).toContain('数值：62 %LEL');
    expect(m.text).toContain('时间：2026-11-23 16:40:00 (Asia/Shanghai)');
    expect(m.html).toContain('红色预警');
    expect(m.messageId).toMatch(/^<[0-9a-f]{32}@shaobing>$/);
    await expect(mail.send(outgoing(null))).rejects.toThrow(/needs an address/);
  });
});
