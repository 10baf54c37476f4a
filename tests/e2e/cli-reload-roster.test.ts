// A duty roster changed in the config file reaches a running gateway on SIGHUP, without a restart:
// the compiled `shaobing start` with 张 on duty (webhook), the file edited to put 李 on duty
// (DingTalk robot), `kill -HUP`, then a red leak: 李's robot is told and 张's webhook is not.
// Real broker (embedded), real HTTP receivers. Needs `npm run build`.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { demoConfig, DEMO_PASSWORDS, DEMO_SITE } from '../../gateway/src/config/demo.js';
import { makeTopics } from '../../gateway/src/contract/topics.js';
import { useGatewayFixture } from '../support/fixture.js';
import { eventually } from '../support/gateway.js';
import { connectClient, deviceLogin } from '../support/mqtt.js';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers.js';

const CLI = join(process.cwd(), 'dist/gateway/src/cli.js');

describe('SIGHUP applies a new duty roster live', () => {
  const fx = useGatewayFixture();

  it('notifies the officer the new roster puts on duty, not the one it took off', async () => {
    const dir = fx.dataDir();
    const rx: HttpReceiver = await startHttpReceiver({ webhookSecret: 'webhook-secret-0123', dingtalkSecret: 'SEC-ding-secret-01' });
    fx.defer(() => rx.close());
    const file = join(dir, 'shaobing.yaml');
    const config = (duty: string) => ({
      ...demoConfig(),
      broker: { port: 0 },
      api: { port: 0 },
      storage: { dataDir: join(dir, 'data') },
      notify: {
        channels: {
          hook: { type: 'webhook', url: `${rx.url}/webhook`, secret: 'webhook-secret-0123' },
          ding: { type: 'dingtalk', url: `${rx.url}/dingtalk?access_token=t`, secret: 'SEC-ding-secret-01' },
        },
        roster: {
          people: { zhang: { name: '张值班', contacts: [{ channel: 'hook' }] }, li: { name: '李值班', contacts: [{ channel: 'ding' }] } },
          shifts: [{ id: 'all-day', start: '00:00', end: '00:00', duty: [duty] }],
        },
        delivery: { pollMs: 20, baseDelayMs: 50, maxDelayMs: 200 },
      },
    });
    writeFileSync(file, stringify(config('zhang')));

    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, 'start', '--config', file], { cwd: dir });
    fx.defer(() => (child.exitCode === null ? child.kill('SIGKILL') : undefined));
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const line = (text: string, from = 0) => out.slice(from).split('\n').find((l) => l.includes(text));
    const ready = JSON.parse(await eventually(() => line('shaobing gateway ready'), 15_000, `ready:\n${out}`)) as { brokerPort: number };

    const at = out.length;
    writeFileSync(file, stringify(config('li')));
    child.kill('SIGHUP');
    const applied = JSON.parse(await eventually(() => line('applied live', at), 10_000, `reload:\n${out}`)) as { applied: string[] };
    expect(applied.applied).toEqual(['notify.roster']);
    expect(line('only after a restart', at)).toBeUndefined();

    const device = await connectClient(`mqtt://127.0.0.1:${ready.brokerPort}`, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    fx.defer(() => device.endAsync());
    const topic = makeTopics().telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const base = Date.now() - 4000;
    for (let seq = 1; seq <= 4; seq++) await device.publishAsync(topic, JSON.stringify({ ts: base + seq * 1000, seq, readings: { ch4: 70 } }), { qos: 1 });

    await eventually(() => rx.accepted.some((d) => d.path === '/dingtalk'), 10_000, `李's DingTalk message:\n${out}`);
    await new Promise((r) => setTimeout(r, 500)); // time for a webhook that should not come
    expect(rx.accepted.filter((d) => d.path === '/webhook')).toEqual([]);
    expect(child.exitCode).toBeNull();
  });
});
