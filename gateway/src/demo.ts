// `npm run demo`: one process on the embedded defaults (aedes, SQLite) runs broker, gateway, API
// and the kitchen simulators, and tells the leak story as it happens. Console output is the
// product here; the gateway's own logs stay quiet unless --verbose.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from './config/schema.js';
import { demoConfig, DEMO_PASSWORDS, DEMO_SITE } from './config/demo.js';
import { LEVEL_ZH } from './contract/levels.js';
import { alarmText } from './contract/alarm-text.js';
import { startGateway } from './compose.js';
import { createLogger } from './log.js';
import { startKitchenLeak } from '../../simulators/src/scenarios/kitchen-run.js';

export interface DemoOptions {
  readonly seed: number;
  readonly intervalMs: number;
  /** The same story about five times faster (tests, impatient people). */
  readonly fast: boolean;
  readonly dataDir?: string;
  readonly verbose: boolean;
}

const OFFICER = '值班员 王工 (duty officer Wang)';
const FITTER = '燃气维修工 李师傅 (gas fitter Li)';

export async function runDemo(options: DemoOptions): Promise<number> {
  const started = Date.now();
  // After "Done." the story is over: the simulators' last readings and the devices going offline
  // as everything shuts down are not part of it.
  let told = false;
  const say = (text: string): void => {
    if (!told) console.log(`${`+${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(7)}  ${text}`);
  };
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'shaobing-demo-'));
  const input = demoConfig();
  input.broker = { port: 0 };
  input.api = { port: 0 };
  input.storage = { dataDir };
  const config = configSchema.parse(input);
  // The story says what the gateway does; its own warnings (e.g. "stop-work order issued") are the
  // same events as JSON and would cut into it. Errors still show: they are not part of the story.
  const runtime = await startGateway(config, { log: createLogger(options.verbose ? 'info' : 'error') });
  const { events, topics } = runtime;

  console.log(`哨兵 Shaobing demo — ${config.sites[0]!.name}`);
  console.log(`  broker  mqtt://127.0.0.1:${runtime.brokerPort}   (devices log in as ${DEMO_SITE}/gas-01 … with the demo passwords)`);
  console.log(`  API     http://127.0.0.1:${runtime.apiPort}/api/v1/alarms   http://127.0.0.1:${runtime.apiPort}/api/v1/sites/${DEMO_SITE}/order`);
  console.log(`  data    ${dataDir}`);
  console.log('');

  // Unsubscribed once the story is told.
  const listeners: (() => void)[] = [];
  listeners.push(events.on('alarm', ({ alarm, event }) => {
    // Said as every channel says it (contract/alarm-text.ts): a valve or a silence is not a gas reading.
    const said = alarmText(alarm, 'zh');
    const what = `${said.cause}${said.value !== null ? `  ${said.value}` : ''}`;
    if (event.kind === 'raised') say(`▲ ALARM raised      ${LEVEL_ZH[alarm.level]} ${alarm.level.toUpperCase()}  ${what}`);
    else if (event.kind === 'escalated') say(`▲ ALARM escalated   ${event.fromLevel} → ${LEVEL_ZH[alarm.level]} ${alarm.level.toUpperCase()}  ${what}`);
    else if (event.kind === 'deescalated') say(`▼ alarm eased       ${event.fromLevel} → ${alarm.level}  ${what}`);
    else if (event.kind === 'cleared') say(`✓ alarm cleared     peak ${alarm.peakLevel}${said.peak !== null ? ` (${said.peak})` : ''}  ${said.cause}  state ${alarm.state}`);
    else if (event.kind === 'acked') say(`✓ alarm acknowledged by ${event.actor}`);
  }));
  listeners.push(events.on('order', ({ order, what }) => {
    if (what === 'issued') say(`■ STOP-WORK ORDER 停产停工令 issued for ${order.site}: ${order.reason}`);
    else if (what === 'confirmed') say('■ interlock confirmed: every actuator acked and reads back safe');
    else if (what === 'rectified') say(`□ rectification recorded by ${order.rectifiedBy}: ${order.rectificationNote}`);
    else if (what === 'inspected') say(`□ inspection recorded by ${order.inspectedBy}: ${order.inspectionNote}`);
    else if (what === 'lifted') say(`□ stop-work order lifted by ${order.liftedBy}: ${order.liftNote}`);
  }));
  listeners.push(events.on('command', ({ command, what }) => {
    if (what === 'sent') say(`→ command ${command.action} sent to ${command.device} (attempt ${command.attempts})`);
    else if (what === 'acked') say(`✓ ${command.device} confirmed: ${command.result}`);
    else say(`✗ ${command.device} ${what}: ${command.result ?? 'no reply'}`);
  }));

  const run = await startKitchenLeak({
    url: `mqtt://127.0.0.1:${runtime.brokerPort}`,
    topics,
    site: DEMO_SITE,
    detector: { id: 'gas-01', password: DEMO_PASSWORDS['gas-01'] },
    valve: { id: 'valve-01', password: DEMO_PASSWORDS['valve-01'] },
    fan: { id: 'fan-01', password: DEMO_PASSWORDS['fan-01'] },
    scenario: options.fast
      ? { seed: options.seed, intervalMs: Math.min(options.intervalMs, 100), normalSteps: 5, leakRateLelPerS: 20, decayHalfLifeS: 1 }
      : { seed: options.seed, intervalMs: options.intervalMs },
    maxSteps: 240,
    on: {
      reading: (r) => say(`  reading  gas-01 #${String(r.seq).padStart(3)}  CH4 ${r.readings.ch4!.toFixed(2).padStart(6)} %LEL   CO ${r.readings.co!.toFixed(1).padStart(5)} ppm   [${r.phase}, valve ${r.valve}]`),
      state: (device, state, cause) => say(`◆ ${device} is now ${state.toUpperCase()} (${cause})`),
    },
  });

  let code = 0;
  try {
    const how = await run.finished;
    if (how !== 'settled') {
      say('✗ the gas did not return to normal: the valve never closed');
      code = 1;
    }
    await new Promise((r) => setTimeout(r, 500));
    const order = runtime.faces.interlock.activeOrder(DEMO_SITE);
    say(`The gas is back to normal air. Active alarms: ${runtime.faces.alarms.activeAlarms().length}.`);
    for (const alarm of runtime.faces.alarmRepo.list({ site: DEMO_SITE, limit: 20 })) {
      if (alarm.state === 'cleared_unacked') runtime.faces.alarms.acknowledge(alarm.id, OFFICER, '现场已确认 confirmed on site');
      const closed = runtime.faces.alarms.close(alarm.id, OFFICER, '整改: 更换老化软管并检测合格 rectified: perished hose replaced, tested');
      if (closed && !closed.rejected) say(`✓ alarm ${alarm.peakLevel} on ${alarm.device}/${alarm.channel} closed with rectification note (整改销号)`);
    }
    if (order) {
      // 整改 by the fitter, 验收 by the officer: the inspector may not be the rectifier (orders/sign-off.ts).
      runtime.faces.interlock.recordRectification(order.id, FITTER, '整改: 更换老化软管 rectified: perished hose replaced');
      runtime.faces.interlock.recordInspection(order.id, OFFICER, '验收: 检漏合格 inspected: leak test passed');
      const lifted = runtime.faces.interlock.lift(order.id, OFFICER, '泄漏点已修复，通风检测合格 leak repaired, air tested');
      if (lifted?.rejected) say(`✗ lift refused: ${lifted.rejected} ${lifted.detail ?? ''}`);
      say(`valve-01 stays ${run.valve.state.toUpperCase()}: lifting an order never re-opens gas; that is a manual act on site.`);
    } else {
      say('✗ no stop-work order was issued');
      code = 1;
    }
    await runtime.flush();
    const stored = await runtime.faces.telemetry.countMessages({ site: DEMO_SITE });
    say(`${stored} readings stored; alarms and order kept in ${dataDir}. Done.`);
    told = true;
  } finally {
    told = true;
    for (const off of listeners) off();
    await run.stop();
    await runtime.stop();
  }
  return code;
}
