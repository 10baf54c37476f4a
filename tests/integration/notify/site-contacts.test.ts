// A site's own contact (the restaurant owner, site.contactPhone in the registry) is texted that
// site's orange and red alarms through the SMS provider, and never another site's; the number is
// the registry's at the time of the alarm.

import { describe, expect, it } from 'vitest';
import { notifySchema, type NotifyConfigInput } from '../../../gateway/src/config/notify-schema.js';
import { siteSchema } from '../../../gateway/src/config/schema.js';
import { eventually } from '../../support/gateway.js';
import { startHttpReceiver, type HttpReceiver } from '../../support/receivers.js';
import { levelTransition } from '../../support/transitions.js';
import { tempDir } from '../../support/tmp.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { openHarness, rosterInput, SITE } from './notify-fixture.js';
import type { Level } from '../../../gateway/src/contract/levels.js';

const A_PHONE = '13900000001';
const B_PHONE = '13900000002';
const DUTY = '13800000001';
const SITES = [
  { id: SITE, name: '示范餐馆后厨', timezone: 'Asia/Shanghai', contact: '王老板', contactPhone: A_PHONE },
  { id: 'kitchen-02', name: '城北餐馆', timezone: 'Asia/Shanghai', contact: '李老板', contactPhone: B_PHONE },
];

// The provider's own wire format (an Aliyun-style JSON body with mobile, content, request id;
// code 0 means accepted), as the receiver checks it.
const smsChannel = (rx: HttpReceiver) => ({
  type: 'sms' as const,
  url: `${rx.url}/sms`,
  body: '{"mobile":"{{to}}","content":"{{text}}","requestId":"{{key}}"}',
  okField: 'code',
  okValue: 0,
});

interface Sms {
  mobile: string;
  content: string;
  requestId: string;
}

describe('site contacts are texted their own site’s alarms', () => {
  const fx = useGatewayFixture();

  async function setup(extra: Partial<NotifyConfigInput> = {}, withRoster = true) {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const rx = await startHttpReceiver();
    fx.defer(() => rx.close());
    const channels = { sms: smsChannel(rx) };
    const base: NotifyConfigInput = withRoster ? rosterInput(channels, { zhang: [{ channel: 'sms', to: DUTY }], wang: [{ channel: 'sms', to: '13800000002' }], zhao: [{ channel: 'sms', to: '13800000003' }] }) : { channels };
    let now = Date.now();
    const h = openHarness(dir.path, { ...base, delivery: { pollMs: 10, baseDelayMs: 20 }, ...extra }, () => now, { sites: SITES });
    fx.defer(() => h.close());
    h.notifier.start();
    const texts = (): Sms[] => rx.shown('/sms').map((d) => d.json as Sms);
    const raise = (site: string, to: Level | null, from: Level | null = null, value = 62) => {
      now += 1000;
      return h.alarms.onTransition(levelTransition({ site, device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'methane', from, to, value, atMs: now, stopWork: false }));
    };
    return { h, rx, texts, raise, advance: (ms: number) => (now += ms) };
  }

  it('an orange alarm at site A reaches A’s contact phone, not B’s; B’s alarm reaches B only', async () => {
    const { texts, raise, h } = await setup();
    const a = raise(SITE, 'orange', null, 30)!;
    await eventually(() => texts().find((t) => t.mobile === A_PHONE), 5000, 'text to A’s owner');
    await eventually(() => texts().find((t) => t.mobile === DUTY), 5000, 'text to the duty officer');
    expect(texts().find((t) => t.mobile === A_PHONE)!.content).toContain('示范餐馆后厨');
    // The API's notification list names the recipient.
    expect(h.notifier.personName('site:kitchen-01')).toBe('王老板');
    expect(texts().filter((t) => t.mobile === B_PHONE)).toEqual([]);
    expect(h.notifier.outbox.list({ alarmId: a.id, limit: 10 }).map((r) => [r.recipient, r.address]).sort()).toEqual([
      ['site:kitchen-01', A_PHONE],
      ['zhang', DUTY],
    ]);

    raise('kitchen-02', 'red');
    const b = await eventually(() => texts().find((t) => t.mobile === B_PHONE), 5000, 'text to B’s owner');
    expect(b.content).toContain('城北餐馆');
    expect(texts().filter((t) => t.mobile === A_PHONE)).toHaveLength(1);
  });

  it('a yellow alarm texts the duty officer but not the owner; its rise to red texts the owner', async () => {
    const { texts, raise, h } = await setup();
    const y = raise(SITE, 'yellow', null, 22)!;
    await eventually(() => texts().find((t) => t.mobile === DUTY), 5000, 'yellow to the duty officer');
    expect(h.notifier.outbox.list({ alarmId: y.id, limit: 10 }).map((r) => r.recipient)).toEqual(['zhang']);
    raise(SITE, 'red', 'yellow', 62);
    const owner = await eventually(() => texts().find((t) => t.mobile === A_PHONE), 5000, 'rise to red to the owner');
    expect(owner.content).toContain('红色');
  });

  it('texts the number the registry holds at the alarm: a changed contactPhone is used, a removed one is not texted', async () => {
    const { texts, raise, h } = await setup();
    const parse = (s: (typeof SITES)[number]) => siteSchema.parse({ ...s, devices: [] });
    const { contactPhone: _dropped, ...noPhone } = SITES[1]!;
    h.notifier.applySites([
      { before: parse(SITES[0]!), after: parse({ ...SITES[0]!, contactPhone: '13900000009' }) },
      { before: parse(SITES[1]!), after: siteSchema.parse({ ...noPhone, devices: [] }) },
    ]);
    raise(SITE, 'red');
    await eventually(() => texts().find((t) => t.mobile === '13900000009'), 5000, 'text to the new number');
    const b = raise('kitchen-02', 'red')!;
    await eventually(() => texts().filter((t) => t.mobile === DUTY).length >= 2, 5000, 'B’s alarm to the duty officer');
    expect(texts().map((t) => t.mobile)).not.toContain(A_PHONE);
    expect(h.notifier.outbox.list({ alarmId: b.id, limit: 10 }).map((r) => r.recipient)).toEqual(['zhang']);
  });

  it('texts owners even where no duty roster is kept, and their all-clear too', async () => {
    const { texts, raise } = await setup({}, false);
    raise(SITE, 'red');
    await eventually(() => texts().find((t) => t.mobile === A_PHONE), 5000, 'red to the owner');
    raise(SITE, null, 'red', 1);
    const cleared = await eventually(() => texts().find((t) => t.mobile === A_PHONE && t.content.includes('解除')), 5000, 'all-clear to the owner');
    expect(cleared.mobile).toBe(A_PHONE);
    expect(texts().map((t) => t.mobile)).not.toContain(B_PHONE);
  });

  it('the owner is not on the escalation ladder: the climb and the reminder go to the officers only', async () => {
    const { raise, h, advance } = await setup();
    const a = raise(SITE, 'red')!;
    // Red climbs after 120 s and 300 s, reminding every 120 s (notify.escalation defaults).
    for (const s of [130, 130, 130]) h.notifier.escalation.tick(advance(s * 1000));
    const rows = h.notifier.outbox.list({ alarmId: a.id, limit: 50 });
    expect(rows.some((r) => r.kind === 'escalation')).toBe(true);
    expect(rows.filter((r) => r.recipient === 'site:kitchen-01').map((r) => r.kind)).toEqual(['raised']);
  });

  it('siteContacts.enabled: false texts no owner', async () => {
    const { texts, raise, h } = await setup({ siteContacts: { enabled: false } });
    const a = raise(SITE, 'red')!;
    await eventually(() => texts().find((t) => t.mobile === DUTY), 5000, 'red to the duty officer');
    expect(h.notifier.outbox.list({ alarmId: a.id, limit: 10 }).map((r) => r.recipient)).toEqual(['zhang']);
  });

  it('refuses two sms channels without naming the one for site contacts, and a channel that is not sms', () => {
    const sms = { type: 'sms' as const, url: 'http://127.0.0.1:9/sms' };
    const two = notifySchema.safeParse({ channels: { a: sms, b: sms } });
    expect(two.success).toBe(false);
    expect(two.error!.issues[0]).toMatchObject({ path: ['siteContacts', 'channel'] });
    expect(two.error!.issues[0]!.message).toMatch(/notify\.siteContacts\.channel/);
    expect(notifySchema.safeParse({ channels: { a: sms, b: sms }, siteContacts: { channel: 'b' } }).success).toBe(true);
    const hook = notifySchema.safeParse({ channels: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/h', secret: 'webhook-secret-0123' } }, siteContacts: { channel: 'hook' } });
    expect(hook.error!.issues[0]!.message).toMatch(/not an sms channel/);
  });
});
