// The whole stop-work order (停产停工令) lifecycle through the real embedded broker, with the
// simulated valve and fan on MQTT: issued → interlock confirmed (acks and positions read back) →
// rectified → inspected → lifted; refusals while steps are missing or the gas is still red; a
// stuck-open valve raising its own red alarm; a restart in the middle keeping the step.

import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { ACTUATOR_POSITION_RULE } from '../../../gateway/src/orders/interlock.js';
import { orderStep, type StopWorkOrder } from '../../../gateway/src/orders/stop-work.js';
import { statePath } from '../../../gateway/src/store/state-db.js';
import { createValve, type Valve } from '../../../simulators/src/devices/valve.js';
import { createFan, type Fan } from '../../../simulators/src/devices/fan.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { collect, connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

describe('stop-work order lifecycle through the broker', () => {
  const fx = useGatewayFixture();

  const gateway = (dataDir: string): Promise<RunningGateway> => fx.start({ dataDir });

  async function actuators(g: RunningGateway, options: { stuckValve?: boolean } = {}): Promise<{ valve: Valve; fan: Fan }> {
    const common = { url: g.url, topics: g.topics, site: DEMO_SITE, actuationMs: 20 };
    const valve = createValve({ ...common, device: 'valve-01', password: DEMO_PASSWORDS['valve-01'], ...(options.stuckValve ? { stuck: true } : {}) });
    const fan = createFan({ ...common, device: 'fan-01', password: DEMO_PASSWORDS['fan-01'] });
    fx.defer(() => valve.stop(), () => fan.stop());
    await valve.start();
    await fan.start();
    return { valve, fan };
  }

  /** Methane readings from gas-01, one a second of reading time ending now. */
  async function gas(g: RunningGateway, values: number[], fromSeq: number): Promise<void> {
    const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const base = Date.now() - values.length * 1000;
    for (const [i, ch4] of values.entries()) await device.publishAsync(topic, JSON.stringify({ ts: base + i * 1000, seq: fromSeq + i, readings: { ch4 } }), { qos: 1 });
    await device.endAsync();
  }

  const RED = [70, 70, 70, 70];
  const CLEAN = [2, 2, 2];
  const confirmedOrder = (g: RunningGateway) => eventually(() => {
    const order = g.interlock.activeOrder(DEMO_SITE);
    return order?.confirmedAtMs != null ? order : undefined;
  }, 5000, 'interlock confirmed');
  const gasCleared = (g: RunningGateway) => eventually(() => !g.alarms.activeAlarms().some((a) => a.channel === 'ch4'), 5000, 'methane alarm cleared');

  it('walks issued → confirmed → rectified → inspected → lifted, refusing each step out of turn', async () => {
    const g = await gateway(fx.dataDir());
    const steps: string[] = [];
    g.events.on('order', ({ what }) => steps.push(what));
    const { valve, fan } = await actuators(g);

    await gas(g, RED, 1);
    const order = await confirmedOrder(g);
    expect(orderStep(order)).toBe('confirmed');
    // Confirmed by the ack and by the position each actuator read back in it.
    expect(order.commands.map((c) => [c.device, c.state, c.result, c.position, c.readBack])).toEqual([
      ['valve-01', 'acked', 'closed', 'closed', 'matched'],
      ['fan-01', 'acked', 'running', 'running', 'matched'],
    ]);
    expect([valve.position, fan.position]).toEqual(['closed', 'running']);

    // While the gas is red and nothing is signed, the lift names everything that is missing.
    const early = g.interlock.lift(order.id, 'officer-zhou', '复工');
    expect(early).toMatchObject({ rejected: 'RECTIFICATION_MISSING', missing: ['rectification', 'inspection', 'alarms_cleared'] });
    expect(g.interlock.recordInspection(order.id, 'inspector-li', 'nothing to inspect yet')?.rejected).toBe('RECTIFICATION_MISSING');
    expect(g.interlock.recordRectification(order.id, 'fitter-wang', '更换老化软管 perished hose replaced')?.rejected).toBeUndefined();
    expect(g.interlock.recordInspection(order.id, 'Fitter-Wang', 'my own work is fine')?.rejected).toBe('SAME_PERSON');
    expect(g.interlock.recordInspection(order.id, 'inspector-li', '验收合格 soap test and air test passed')?.rejected).toBeUndefined();
    expect(g.interlock.lift(order.id, 'officer-zhou', '复工')).toMatchObject({ rejected: 'ALARMS_ACTIVE', missing: ['alarms_cleared'] });

    await gas(g, CLEAN, 10);
    await gasCleared(g);
    const lifted = g.interlock.lift(order.id, 'officer-zhou', '复工 work resumes');
    expect(lifted?.rejected).toBeUndefined();
    expect(g.interlock.activeOrder(DEMO_SITE)).toBeUndefined();
    expect(g.interlock.lift(order.id, 'officer-zhou', 'again')?.rejected).toBe('ALREADY_LIFTED');
    expect(steps).toEqual(['issued', 'confirmed', 'rectified', 'inspected', 'lifted']);

    // Persisted: the row and an audit trail with actor and time for every step and refusal.
    const stored = g.orders.get(order.id)!;
    expect(stored).toMatchObject({ state: 'lifted', rectifiedBy: 'fitter-wang', inspectedBy: 'inspector-li', liftedBy: 'officer-zhou', liftNote: '复工 work resumes' });
    expect(stored.confirmedAtMs).toBeLessThanOrEqual(stored.rectifiedAtMs!);
    expect(stored.rectifiedAtMs).toBeLessThanOrEqual(stored.inspectedAtMs!);
    expect(stored.inspectedAtMs).toBeLessThanOrEqual(stored.liftedAtMs!);
    const trail = g.orders.events(order.id).map((e) => `${e.kind}${e.actor ? `:${e.actor}` : ''}${e.device ? `@${e.device}` : ''}`);
    expect(trail.filter((t) => !t.startsWith('acked'))).toEqual([
      'issued',
      'confirmed',
      'refused:officer-zhou',
      'refused:inspector-li',
      'rectified:fitter-wang',
      'refused:Fitter-Wang',
      'inspected:inspector-li',
      'refused:officer-zhou',
      'lifted:officer-zhou',
      'refused:officer-zhou',
    ]);
    expect(trail.filter((t) => t.startsWith('acked')).sort()).toEqual(['acked@fan-01', 'acked@valve-01']);

    // Lifting never re-opens gas: the valve stays closed and its retained status says so.
    await new Promise((r) => setTimeout(r, 200));
    expect(valve.state).toBe('closed');
    const observer = await connectClient(g.url, deviceLogin(DEMO_SITE, 'fan-01', DEMO_PASSWORDS['fan-01'], 'observer'));
    fx.defer(() => observer.endAsync());
    const { messages } = await collect(observer, g.topics.order(DEMO_SITE as never));
    const retained = await eventually(() => messages.find((m) => m.retain), 3000, 'retained order');
    expect(JSON.parse(retained.payload.toString())).toMatchObject({ state: 'lifted', orderId: order.id });
  });

  it('raises a red actuator alarm for a valve that acks closed but reads back open, and clears it when it reads closed', async () => {
    const g = await gateway(fx.dataDir());
    const { valve } = await actuators(g, { stuckValve: true });
    await gas(g, RED, 1);

    const alarm = await eventually(() => g.alarms.activeAlarms().find((a) => a.ruleId === ACTUATOR_POSITION_RULE), 5000, 'position alarm');
    expect(alarm).toMatchObject({ device: 'valve-01', channel: '_device', level: 'red' });
    expect([valve.state, valve.position]).toEqual(['closed', 'open']);
    const order = g.interlock.activeOrder(DEMO_SITE)!;
    expect(order.commands.find((c) => c.device === 'valve-01')).toMatchObject({ state: 'acked', result: 'closed', position: 'open', readBack: 'mismatch' });
    expect(order.confirmedAtMs).toBeNull();
    expect(g.orders.events(order.id).find((e) => e.kind === 'position_mismatch')).toMatchObject({ device: 'valve-01', note: 'acked closed but reads open' });

    // The valve is freed by hand and comes back reading closed: the alarm clears, the interlock confirms.
    await valve.stop();
    const repaired = createValve({ url: g.url, topics: g.topics, site: DEMO_SITE, device: 'valve-01', password: DEMO_PASSWORDS['valve-01'], initialState: 'closed' });
    fx.defer(() => repaired.stop());
    await repaired.start();
    await confirmedOrder(g);
    expect(g.alarms.activeAlarms().some((a) => a.ruleId === ACTUATOR_POSITION_RULE)).toBe(false);
    expect(g.alarmRepo.get(alarm.id)?.state).toBe('cleared_unacked');
  });

  it('re-closes a valve opened by hand while the order is in force', async () => {
    const g = await gateway(fx.dataDir());
    const { valve } = await actuators(g);
    await gas(g, RED, 1);
    const order = await confirmedOrder(g);
    valve.openManually();
    // The open position is read back, the command goes out again and the valve closes.
    await eventually(() => (g.interlock.activeOrder(DEMO_SITE)?.commands.find((c) => c.device === 'valve-01')?.attempts ?? 0) >= 2, 5000, 'command sent again');
    await eventually(() => valve.position === 'closed' || undefined, 5000, 'valve closed again');
    await eventually(() => g.interlock.activeOrder(DEMO_SITE)?.commands.find((c) => c.device === 'valve-01')?.readBack === 'matched', 5000, 'read back closed');
    expect(g.orders.events(order.id).map((e) => e.kind)).toContain('position_unsafe');
  });

  it('keeps the step across a restart in the middle and finishes on the new runtime', async () => {
    const path = fx.dataDir();
    const first = await gateway(path);
    const devices = await actuators(first);
    await gas(first, RED, 1);
    const order: StopWorkOrder = await confirmedOrder(first);
    await gas(first, CLEAN, 10);
    await gasCleared(first);
    expect(first.interlock.recordRectification(order.id, 'fitter-wang', 'hose replaced')?.rejected).toBeUndefined();
    await devices.valve.stop();
    await devices.fan.stop();
    await first.stop();

    const second = await gateway(path);
    const restored = second.interlock.activeOrder(DEMO_SITE)!;
    expect(restored).toMatchObject({ id: order.id, confirmedAtMs: order.confirmedAtMs, rectifiedBy: 'fitter-wang', rectificationNote: 'hose replaced', inspectedAtMs: null });
    expect(orderStep(restored)).toBe('rectified');
    // Confirmed commands are not sent again; the order is republished and that is on the record.
    expect(restored.commands.map((c) => [c.attempts, c.readBack])).toEqual([
      [1, 'matched'],
      [1, 'matched'],
    ]);
    expect(second.orders.events(order.id).at(-1)).toMatchObject({ kind: 'republished', note: '0 command(s) sent again' });

    expect(second.interlock.recordInspection(order.id, 'fitter-wang', 'self check')?.rejected).toBe('SAME_PERSON');
    expect(second.interlock.recordInspection(order.id, 'inspector-li', 'passed')?.rejected).toBeUndefined();
    expect(second.interlock.lift(order.id, 'officer-zhou', 'resume')?.rejected).toBeUndefined();
    await second.stop();

    // Read through a second connection to the SQLite file: one row, every step with its actor.
    const db = new Database(statePath(path), { readonly: true });
    fx.defer(() => void db.close());
    const row = db.prepare('SELECT state, rectified_by, inspected_by, lifted_by FROM stop_work_order WHERE id = ?').get(order.id);
    expect(row).toEqual({ state: 'lifted', rectified_by: 'fitter-wang', inspected_by: 'inspector-li', lifted_by: 'officer-zhou' });
    const kinds = (db.prepare("SELECT kind FROM order_event WHERE order_id = ? AND kind NOT IN ('acked') ORDER BY id").all(order.id) as { kind: string }[]).map((r) => r.kind);
    expect(kinds).toEqual(['issued', 'confirmed', 'rectified', 'republished', 'refused', 'inspected', 'lifted']);
  });
});
