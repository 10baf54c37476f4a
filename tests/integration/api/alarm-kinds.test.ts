// The API says what each alarm is: `kind` and `text.{zh,en}.{cause,value,peak}` on the list, on
// one alarm and on the live stream, so the page shows a silent detector's seconds of silence and
// never `一氧化碳 112.81 ppm`, and a last will or an unconfirmed valve as what they are.

import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { DEMO_SITE, eventually } from '../../support/gateway.js';
import { call, startApiGateway, TOKENS } from './helpers.js';
import type { RunningGateway as Gateway } from '../../support/fixture.js';
import { sseReader } from '../../support/sse.js';

type Text = { cause: string; value: string | null; peak: string | null };
type AlarmBody = { id: string; kind: string; ruleId: string; text: { zh: Text; en: Text } };

/** The alarm frames of the live stream, parsed as they arrive. */
function alarmFrames(port: number): Promise<{ alarms: AlarmBody[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/stream', headers: { accept: 'text/event-stream', authorization: `Bearer ${TOKENS.viewer}` } }, (res: IncomingMessage) => {
      const alarms: AlarmBody[] = [];
      res.setEncoding('utf8');
      res.on(
        'data',
        sseReader((block) => {
          if (block.event === 'alarm' && block.data !== null) alarms.push((JSON.parse(block.data) as { alarm: AlarmBody }).alarm);
        }),
      );
      res.on('error', () => {});
      resolve({ alarms, close: () => req.destroy() });
    });
    req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
    req.end();
  });
}

describe('alarm kind and text in the API', () => {
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let g: Gateway;

  beforeAll(async () => {
    env = await startApiGateway();
    g = env.gateway;
  });
  afterAll(async () => {
    await env?.stop();
  });

  const site = DEMO_SITE as SiteId;
  const gas = 'gas-01' as DeviceId;

  it('lists a silent CO channel as 数据中断 in seconds, a last will as offline, an unconfirmed valve and a gateway alarm by what they are', async () => {
    const stream = await alarmFrames(g.apiPort!);
    try {
      const now = Date.now();
      const stale = g.alarms.onTransition({ kind: 'level', site, device: gas, channel: 'co' as ChannelId, quantity: 'co_ppm', ruleId: 'stale', alarmKind: 'stale', from: null, to: 'yellow', value: 112.81, atMs: now, stopWork: false })!;
      g.alarms.onTransition({ kind: 'level', site, device: gas, channel: '_device' as ChannelId, quantity: 'methane_lel', ruleId: 'offline', alarmKind: 'offline', from: null, to: 'yellow', value: 0, atMs: now, stopWork: false });
      g.alarms.raiseDirect({ kind: 'actuator_unconfirmed', site, device: 'valve-01', actuator: 'valve', attempts: 6 }, 'red');
      g.alarms.raiseDirect({ kind: 'gateway', part: 'notify-dead-hook', condition: 'notify_failed', count: 2 }, 'orange');

      const res = await call(g, 'viewer', { method: 'GET', url: '/api/v1/alarms?limit=50' });
      expect(res.statusCode).toBe(200);
      const byKind = new Map((res.json() as { alarms: AlarmBody[] }).alarms.map((a) => [a.kind, a]));
      expect(byKind.get('stale')!.text).toEqual({
        zh: { cause: '数据中断：一氧化碳探测器 gas-01 已 113 秒未上报', value: '113 秒', peak: null },
        en: { cause: 'No data: carbon monoxide detector gas-01 silent for 113 s', value: '113 s', peak: null },
      });
      expect(byKind.get('offline')!.text.zh).toEqual({ cause: '设备离线：甲烷探测器 gas-01', value: null, peak: null });
      expect(byKind.get('actuator_unconfirmed')!.text.zh).toEqual({ cause: '阀门 valve-01 未确认关闭（已重试 5 次）', value: '已发送 6 次', peak: null });
      expect(byKind.get('gateway')!.text.zh).toEqual({ cause: '网关告警：通知发送失败（notify-dead-hook）', value: '2 次尝试', peak: null });
      for (const kind of ['stale', 'offline', 'actuator_unconfirmed', 'gateway']) expect(JSON.stringify(byKind.get(kind)!.text)).not.toMatch(/%LEL|ppm/);

      const one = await call(g, 'viewer', { method: 'GET', url: `/api/v1/alarms/${stale.id}` });
      expect(one.statusCode).toBe(200);
      expect((one.json() as { alarm: AlarmBody }).alarm).toMatchObject({ kind: 'stale', ruleId: 'stale', text: { zh: { cause: '数据中断：一氧化碳探测器 gas-01 已 113 秒未上报' } } });

      const live = await eventually(() => stream.alarms.find((a) => a.kind === 'stale'), 5000, 'stale alarm on the live stream');
      expect(live.text.zh.value).toBe('113 秒');
    } finally {
      stream.close();
    }
  });

  it('gives a gas reading its unit, and its peak', async () => {
    const alarm = g.alarms.onTransition({ kind: 'level', site, device: 'gas-02' as DeviceId, channel: 'ch4' as ChannelId, quantity: 'methane_lel', ruleId: 'kitchen-methane', alarmKind: 'threshold', from: null, to: 'yellow', value: 26.5, atMs: Date.now(), stopWork: false })!;
    const acked = await call(g, 'officer', { method: 'POST', url: `/api/v1/alarms/${alarm.id}/ack`, payload: {} });
    expect(acked.statusCode).toBe(200);
    expect((acked.json() as { alarm: AlarmBody }).alarm).toMatchObject({ kind: 'threshold', text: { zh: { cause: '甲烷报警：探测器 gas-02', value: '26.5 %LEL', peak: '26.5 %LEL' }, en: { cause: 'Methane alarm: detector gas-02' } } });
  });
});
