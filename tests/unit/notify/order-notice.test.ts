// Golden texts of the stop-work order's notification steps, per actuator state and language.

import { describe, expect, it } from 'vitest';
import { interlockLine, renderOrderNotice } from '../../../gateway/src/notify/order-notice.js';
import type { OrderCommand } from '../../../gateway/src/orders/stop-work.js';

const command = (over: Partial<OrderCommand>): OrderCommand => ({ id: 'c1', device: 'valve-01', action: 'close', state: 'sent', attempts: 1, lastSentAtMs: 0, ackedAtMs: null, result: null, position: null, positionAtMs: null, readBack: null, ...over });

const STATES: [string, Partial<OrderCommand>, string, string][] = [
  ['commanded', {}, '阀门 valve-01：关闭指令已发送（第 1 次），等待确认', 'Valve valve-01: close command sent (attempt 1), awaiting confirmation'],
  ['confirmed', { state: 'acked', readBack: 'matched', result: 'closed' }, '阀门 valve-01：已确认关闭', 'Valve valve-01: confirmed closed'],
  ['confirmed without a position sensor', { state: 'acked', readBack: 'not_reported' }, '阀门 valve-01：已确认关闭', 'Valve valve-01: confirmed closed'],
  ['unconfirmed', { state: 'unconfirmed', attempts: 5 }, '阀门 valve-01：未确认关闭（已重试 4 次）', 'Valve valve-01: not confirmed closed (4 retries)'],
  ['refused', { state: 'failed', result: 'jammed' }, '阀门 valve-01：拒绝执行（jammed）', 'Valve valve-01: refused (jammed)'],
  ['position wrong', { state: 'acked', readBack: 'mismatch' }, '阀门 valve-01：已应答，但位置反馈未关闭', 'Valve valve-01: acknowledged but does not read back closed'],
  ['fan commanded', { device: 'fan-01', action: 'fan_on' }, '风机 fan-01：启动指令已发送（第 1 次），等待确认', 'Fan fan-01: start command sent (attempt 1), awaiting confirmation'],
];

describe('stop-work order notices', () => {
  it.each(STATES)('says an actuator %s', (_name, over, zh, en) => {
    expect([interlockLine(command(over), 'zh'), interlockLine(command(over), 'en')]).toEqual([zh, en]);
  });

  it('titles each step and names the alarm and the order', () => {
    const order = { id: 'o1', reason: '红色(I级)预警 甲烷 70 %LEL (gas-01/ch4) — 停产停工', alarmId: 'a1', commands: [command({ state: 'unconfirmed', attempts: 3 })] };
    const base = { order, atMs: Date.parse('2026-11-23T08:40:00Z'), siteName: '示范餐馆后厨', timeZone: 'Asia/Shanghai', publicUrl: 'https://s.example.cn', alarm: { kind: 'threshold' as const, device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', value: 70, peakValue: 70 } };
    expect(renderOrderNotice({ ...base, kind: 'order_issued', language: 'zh' }).title).toBe('【停产停工令】示范餐馆后厨 已下达，联锁动作中');
    expect(renderOrderNotice({ ...base, kind: 'order_confirmed', language: 'en' }).title).toBe('[Stop-work order] 示范餐馆后厨: interlock confirmed');
    const failed = renderOrderNotice({ ...base, kind: 'order_unconfirmed', command: order.commands[0]!, language: 'zh' });
    expect(failed.title).toBe('【停产停工令·联锁未确认】示范餐馆后厨 阀门 valve-01：未确认关闭（已重试 2 次）');
    expect(failed.text).toContain('报警：甲烷报警：探测器 gas-01');
    expect(failed.text).toContain('停产停工令：红色(I级)预警 甲烷 70 %LEL (gas-01/ch4) — 停产停工');
    expect(failed.link).toBe('https://s.example.cn/#/alarms/a1');
  });
});
