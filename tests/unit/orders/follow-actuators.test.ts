// The interlock's actuators follow the fleet: ActuatorBook says what a site gained, addActuators
// commands it at once under an order in force.

import { describe, expect, it } from 'vitest';
import { siteSchema } from '../../../gateway/src/config/schema.js';
import { ActuatorBook } from '../../../gateway/src/orders/actuator-book.js';
import { addActuators, issueOrder, liftOrder, recordInspection, recordRectification } from '../../../gateway/src/orders/stop-work.js';
import { deepFreeze } from '../../support/freeze.js';

const T0 = 1_700_000_000_000;
const HASH = 'scrypt$16384$8$1$4pHCxPQ7C/6RrNrFNdDhiA==$12BifwWUuw8oWOKgTzg24iJHX/20NmSHyzn7DX4oCyI=';
const site = (devices: { id: string; kind: string }[]) => siteSchema.parse({ id: 'k1', name: 'k', devices: devices.map((d) => ({ ...d, passwordHash: HASH, ...(d.kind === 'detector' ? { channels: { ch4: { quantity: 'methane_lel' } } } : {}) })) });

describe('ActuatorBook', () => {
  it('says which valves and fans a site gained, and forgets a removed site', () => {
    const before = site([{ id: 'gas', kind: 'detector' }, { id: 'v1', kind: 'valve' }]);
    const book = new ActuatorBook([before]);
    const after = site([{ id: 'gas', kind: 'detector' }, { id: 'v1', kind: 'valve' }, { id: 'v2', kind: 'valve' }, { id: 'f1', kind: 'fan' }]);
    expect(book.applySites([{ before, after }])).toEqual([{ site: 'k1', added: [{ device: 'v2', kind: 'valve' }, { device: 'f1', kind: 'fan' }] }]);
    expect(book.get('k1')?.map((a) => a.device)).toEqual(['v1', 'v2', 'f1']);
    expect(book.applySites([{ before: after, after: site([{ id: 'v1', kind: 'valve' }]) }])).toEqual([]);
    expect(book.get('k1')?.map((a) => a.device)).toEqual(['v1']);
    book.applySites([{ before: after, after: undefined }]);
    expect(book.get('k1')).toBeUndefined();
  });
});

describe('ActuatorBook with obeys', () => {
  it("lists another site's valve that obeys a site after the site's own, and says what a site gained when a valve starts obeying it", () => {
    const kitchen = site([{ id: 'v1', kind: 'valve' }]);
    const building = (obeys?: string[]) => siteSchema.parse({ id: 'b1', name: 'b', devices: [{ id: 'main', kind: 'valve', passwordHash: HASH, ...(obeys ? { obeys } : {}) }] });
    const book = new ActuatorBook([kitchen, building()]);
    expect(book.get('k1')).toEqual([{ device: 'v1', kind: 'valve' }]);
    expect(book.applySites([{ before: building(), after: building(['k1']) }])).toEqual([{ site: 'k1', added: [{ device: 'main', kind: 'valve', site: 'b1' }] }]);
    expect(book.get('k1')).toEqual([{ device: 'v1', kind: 'valve' }, { device: 'main', kind: 'valve', site: 'b1' }]);
    expect(book.get('b1')).toEqual([{ device: 'main', kind: 'valve' }]);
    // The building removed: the kitchen's orders no longer command its valve.
    book.applySites([{ before: building(['k1']), after: undefined }]);
    expect(book.get('k1')).toEqual([{ device: 'v1', kind: 'valve' }]);
  });
});

describe('addActuators', () => {
  const order = deepFreeze(issueOrder({ id: 'o1', site: 'k1', alarmId: 'a1', reason: 'CH4', atMs: T0, actuators: [{ commandId: 'c1', device: 'v1', action: 'close' }] }).next);

  it('sends the new valve its close at once, with an audit event naming it', () => {
    const out = addActuators(order, [{ commandId: 'c2', device: 'v2', action: 'close' }], T0 + 1000);
    expect(out.next.commands.map((c) => [c.device, c.state, c.attempts, c.lastSentAtMs])).toEqual([
      ['v1', 'sent', 1, T0],
      ['v2', 'sent', 1, T0 + 1000],
    ]);
    expect(out.effects).toEqual([{ kind: 'send_command', orderId: 'o1', command: out.next.commands[1] }]);
    expect(out.events.map((e) => [e.kind, e.device])).toEqual([['actuator_added', 'v2']]);
  });

  it('leaves a device the order already commands, and a lifted order, as they are', () => {
    expect(addActuators(order, [{ commandId: 'c9', device: 'v1', action: 'close' }], T0 + 1000)).toEqual({ next: order, effects: [], events: [] });
    let o = recordRectification(order, { by: 'wang', note: 'fixed', atMs: T0 + 1 }).next;
    o = recordInspection(o, { by: 'li', note: 'ok', atMs: T0 + 2 }).next;
    const lifted = liftOrder(o, { by: 'zhou', note: 'go', atMs: T0 + 3, activeAlarmLevels: [], blind: [] }).next;
    expect(lifted.state).toBe('lifted');
    expect(addActuators(lifted, [{ commandId: 'c2', device: 'v2', action: 'close' }], T0 + 4).effects).toEqual([]);
  });
});
