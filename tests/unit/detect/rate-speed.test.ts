// The speed a rate alarm says (m/h, %LEL/min): the change over the time since the window's lowest
// point, measured from that point's own reading time, so a rise that began mid-window is not
// spread over the whole window; the engine hands it to the alarm with the rule's window.

import { describe, expect, it } from 'vitest';
import { ruleSchema } from '../../../gateway/src/config/schema.js';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import type { Quantity } from '../../../gateway/src/config/quantities.js';
import { DetectionEngine, type LevelTransition } from '../../../gateway/src/detect/engine.js';

const MIN = 60_000;
const T0 = 1_800_000_000_000;

function feed(rule: unknown, quantity: Quantity, values: readonly number[], stepMs: number): LevelTransition[] {
  const engine = new DetectionEngine([ruleSchema.parse(rule)]);
  const out: LevelTransition[] = [];
  values.forEach((value, i) => out.push(...engine.process({ site: 's' as SiteId, device: 'd' as DeviceId, channel: 'c' as ChannelId, quantity, value, tsMs: T0 + i * stepMs })));
  return out;
}

describe('rate speed', () => {
  it('measures a reservoir rise that began mid-window from its start, not over the whole hour', () => {
    // Flat at 25.2 m from 0 to 40 min, then up 0.12 m every 5 minutes from 45 min. The median of
    // three passes the climb one reading late: the 45-min reading is the window's lowest point
    // (25.2), and at 60 min the change is 25.56 − 25.2 = 0.36 m in 15 min, 1.44 m/h (spread over
    // the hour's window it would read 0.36 m/h, a quarter of the real speed).
    const levels = [...Array<number>(9).fill(25.2), 25.32, 25.44, 25.56, 25.68];
    const [raise] = feed({ id: 'rise', kind: 'rate', quantity: 'water_level_m', direction: 'rise', windowS: 3600, levels: { orange: 0.3 } }, 'water_level_m', levels, 5 * MIN);
    expect(raise).toMatchObject({ to: 'orange', atMs: T0 + 12 * 5 * MIN, rate: { windowS: 3600 } });
    expect(raise!.measure).toBeCloseTo(0.36, 9);
    expect(raise!.rate!.perS * 3600).toBeCloseTo(1.44, 9);
  });

  it('gives a fall a negative speed, from the highest point of the window', () => {
    // Oxygen steady at 20.9 %vol, then down 0.5 every 10 s from 40 s. Through the median the
    // 40-s reading is the window's highest point (20.9) and at 60 s the change is 19.9 − 20.9 =
    // −1 %vol in 20 s.
    const values = [20.9, 20.9, 20.9, 20.9, 20.4, 19.9, 19.4];
    const [raise] = feed({ id: 'o2-fall', kind: 'rate', quantity: 'o2_pct', direction: 'fall', windowS: 120, levels: { red: 1 } }, 'o2_pct', values, 10_000);
    expect(raise).toMatchObject({ to: 'red', atMs: T0 + 6 * 10_000, rate: { windowS: 120 } });
    expect(raise!.measure).toBeCloseTo(-1, 9);
    expect(raise!.rate!.perS * 60).toBeCloseTo(-3, 9); // −1 %vol in 20 s: −3 %vol/min
  });

  it('says a step between two readings as the speed it had', () => {
    // Methane from 0 to 6 %LEL in one step between readings 10 s apart. The median passes the
    // step one reading late, and the lowest point with it (the 40-s reading), so the speed is
    // the step's own: 6 %LEL in 10 s.
    const [raise] = feed({ id: 'ch4-rise', kind: 'rate', quantity: 'methane_lel', direction: 'rise', windowS: 60, levels: { red: 5 } }, 'methane_lel', [0, 0, 0, 0, 6, 6], 10_000);
    expect(raise).toMatchObject({ to: 'red', measure: 6 });
    expect(raise!.rate!.perS * 60).toBeCloseTo(36, 9); // 6 %LEL in 10 s
  });
});
