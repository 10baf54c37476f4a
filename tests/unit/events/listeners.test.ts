// Listeners instead of assignable hooks: several subscribers, each removable, and one that throws
// does not keep the others (or the emitter) from going on.

import { describe, expect, it } from 'vitest';
import { Listeners } from '../../../gateway/src/listeners.js';
import { silentLogger } from '../../../gateway/src/log.js';

describe('Listeners', () => {
  it('calls every listener in order, skips a removed one, and survives one that throws', () => {
    const bus = new Listeners<{ diskFull: { held: number } }>(silentLogger(), 'test');
    const heard: string[] = [];
    bus.on('diskFull', ({ held }) => void heard.push(`a${held}`));
    bus.on('diskFull', () => {
      throw new Error('broken observer');
    });
    const off = bus.on('diskFull', ({ held }) => void heard.push(`c${held}`));
    bus.on('diskFull', ({ held }) => void heard.push(`d${held}`));
    bus.emit('diskFull', { held: 1 });
    off();
    bus.emit('diskFull', { held: 2 });
    expect(heard).toEqual(['a1', 'c1', 'd1', 'a2', 'd2']);
  });

  it('does not skip the next listener when one unsubscribes itself while called', () => {
    const bus = new Listeners<{ tick: undefined }>(silentLogger(), 'test');
    const heard: string[] = [];
    const off = bus.on('tick', () => {
      heard.push('once');
      off();
    });
    bus.on('tick', () => void heard.push('always'));
    bus.emit('tick', undefined);
    bus.emit('tick', undefined);
    expect(heard).toEqual(['once', 'always', 'always']);
    expect(bus.has('tick')).toBe(true);
  });
});
