// The outbox joins every alarm save through AlarmRepository.onSave; a hook added after the first
// save would silently have missed that save's rows, so the repository refuses it loudly.

import { describe, expect, it } from 'vitest';
import { AlarmRepository } from '../../../gateway/src/alarms/repository.js';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Alarm } from '../../../gateway/src/alarms/lifecycle.js';
import { tempDir } from '../../support/tmp.js';
import { useGatewayFixture } from '../../support/fixture.js';

const ALARM: Alarm = {
  id: 'a1', site: 'S1', device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'r', kind: 'threshold', level: 'red', peakLevel: 'red',
  value: 60, peakValue: 60, state: 'active_unacked', raisedAtMs: 1, updatedAtMs: 1, clearedAtMs: null, ackedAtMs: null, ackedBy: null,
  closedAtMs: null, closedBy: null, closeNote: null, shelvedUntilMs: null, shelvedBy: null, shelveReason: null, shelvedLevel: null,
};

describe('AlarmRepository save hooks', () => {
  const fx = useGatewayFixture();

  it('runs hooks until unsubscribed, and refuses one added after the first save', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const db = openStateDb(dir.path);
    fx.defer(() => db.close());
    const repo = new AlarmRepository(db);
    const seen: string[] = [];
    const off = repo.onSave((alarm) => void seen.push(alarm.level));
    repo.save(ALARM, []);
    off();
    repo.save({ ...ALARM, level: 'orange' }, []);
    expect(seen).toEqual(['red']);
    expect(() => repo.onSave(() => {})).toThrow(/after the first save/);
  });
});
