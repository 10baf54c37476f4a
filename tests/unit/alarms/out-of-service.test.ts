// Out of service as pure rules: bounded, with a reason, one spell per target, and a site spell
// covering every device of the site while a device spell covers only its device.

import { describe, expect, it } from 'vitest';
import { coveredBy, endOutOfService, isInForce, startOutOfService, type OutOfService } from '../../../gateway/src/alarms/out-of-service.js';

const T0 = 1_800_000_000_000;
const H = 3_600_000;
const base: { id: string; site: string; device: string | null; by: string; reason: string; untilMs: number; atMs: number; maxMs: number } = { id: 'oos-1', site: 'k1', device: 'gas-01', by: 'officer-li', reason: 'detector replaced', untilMs: T0 + 4 * H, atMs: T0, maxMs: 72 * H };

function started(over: Partial<typeof base> = {}): OutOfService {
  const out = startOutOfService({ ...base, ...over }, []);
  if (!out.ok) throw new Error(out.rejected);
  return out.entry;
}

describe('startOutOfService', () => {
  it('starts a spell with who, why, from and until', () => {
    expect(started()).toEqual({ id: 'oos-1', site: 'k1', device: 'gas-01', by: 'officer-li', reason: 'detector replaced', fromMs: T0, untilMs: T0 + 4 * H, endedAtMs: null, endedBy: null, endNote: null });
  });

  it.each([
    ['a blank reason', { reason: ' ' }, 'REASON_REQUIRED'],
    ['an end in the past', { untilMs: T0 - 1 }, 'UNTIL_NOT_FUTURE'],
    ['a spell over the maximum', { untilMs: T0 + 72 * H + 1 }, 'TOO_LONG'],
  ] as const)('refuses %s', (_what, over, rejected) => {
    expect(startOutOfService({ ...base, ...over }, [])).toEqual({ ok: false, rejected });
  });

  it('refuses a second spell for the same device while the first is in force', () => {
    const first = started();
    const out = startOutOfService({ ...base, id: 'oos-2' }, [first]);
    expect(out).toEqual({ ok: false, rejected: 'ALREADY_OUT_OF_SERVICE', existing: first });
    expect(startOutOfService({ ...base, id: 'oos-2', device: 'gas-02' }, [first]).ok).toBe(true);
  });
});

describe('coverage and end', () => {
  it('a device spell covers its device only; a site spell covers every device and the site', () => {
    const device = started();
    expect(coveredBy([device], 'k1', 'gas-01', T0 + 1)).toBe(device);
    expect(coveredBy([device], 'k1', 'gas-02', T0 + 1)).toBeUndefined();
    expect(coveredBy([device], 'k1', null, T0 + 1)).toBeUndefined();
    const site = started({ id: 'oos-s', device: null });
    expect(coveredBy([site], 'k1', 'gas-02', T0 + 1)).toBe(site);
    expect(coveredBy([site], 'k1', null, T0 + 1)).toBe(site);
    expect(coveredBy([site], 'k2', 'gas-02', T0 + 1)).toBeUndefined();
  });

  it('stops covering at its end time and once ended', () => {
    const e = started();
    expect(isInForce(e, T0 + 4 * H - 1)).toBe(true);
    expect(isInForce(e, T0 + 4 * H)).toBe(false);
    const ended = endOutOfService(e, 'officer-wang', T0 + H, ' back ');
    expect(ended).toMatchObject({ ok: true, entry: { endedAtMs: T0 + H, endedBy: 'officer-wang', endNote: 'back' } });
    if (ended.ok) {
      expect(coveredBy([ended.entry], 'k1', 'gas-01', T0 + H + 1)).toBeUndefined();
      expect(endOutOfService(ended.entry, null, T0 + 2 * H, null)).toEqual({ ok: false, rejected: 'NOT_OUT_OF_SERVICE' });
    }
  });
});
