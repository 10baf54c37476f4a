// SensorTable: sensors found by site, device and channel, with device ids shared between sites.

import { describe, it, expect } from 'vitest';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { SensorTable, type RuleSet } from '../../../gateway/src/detect/sensor-table.js';

const EMPTY: RuleSet<never> = { rules: [], offsets: [], slots: null };
const s = (x: string) => x as SiteId;
const d = (x: string) => x as DeviceId;
const c = (x: string) => x as ChannelId;

describe('SensorTable', () => {
  it('keeps sensors of one device id at different sites apart', () => {
    const table = new SensorTable<never>();
    const hqCh4 = table.add(s('hq'), d('gd-01'), c('ch4'), EMPTY);
    const hqCo = table.add(s('hq'), d('gd-01'), c('co'), EMPTY);
    const branchCh4 = table.add(s('branch'), d('gd-01'), c('ch4'), EMPTY); // the id becomes per site here
    const thirdCo = table.add(s('third'), d('gd-01'), c('co'), EMPTY);
    expect(table.find(s('hq'), d('gd-01'), c('ch4'))).toBe(hqCh4);
    expect(table.find(s('hq'), d('gd-01'), c('co'))).toBe(hqCo);
    expect(table.find(s('branch'), d('gd-01'), c('ch4'))).toBe(branchCh4);
    expect(table.find(s('third'), d('gd-01'), c('co'))).toBe(thirdCo);
    expect(table.find(s('branch'), d('gd-01'), c('co'))).toBeUndefined();
    expect(table.find(s('fourth'), d('gd-01'), c('ch4'))).toBeUndefined();
    expect(table.find(s('hq'), d('gd-02'), c('ch4'))).toBeUndefined();
    expect(table.size).toBe(4);
  });

  it('tells a site apart before the device id is shared', () => {
    const table = new SensorTable<never>();
    table.add(s('hq'), d('gd-01'), c('ch4'), EMPTY);
    expect(table.find(s('branch'), d('gd-01'), c('ch4'))).toBeUndefined();
  });

  it('lists every sensor exactly once', () => {
    const table = new SensorTable<never>();
    const added = [];
    for (let site = 0; site < 5; site++) {
      for (let dev = 0; dev < 4; dev++) for (const ch of ['ch4', 'co', 'o2']) added.push(table.add(s(`site-${site}`), d(site % 2 === 0 ? `gd-${dev}` : `gd-${site}-${dev}`), c(ch), EMPTY));
    }
    const listed = [...table.entries()];
    expect(listed.length).toBe(added.length);
    expect(new Set(listed)).toEqual(new Set(added));
    for (const e of added) expect(table.find(e.site, e.device, e.channel)).toBe(e);
  });
});
