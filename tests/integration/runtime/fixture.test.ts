// The shared gateway fixture (tests/support/fixture.ts) gives what it promises: a gateway on free
// ports whose alarm is raised through the broker, a restart on the same data directory, and a
// child-process gateway that SIGKILL ends without its last commit.

import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { journalPath } from '../../../gateway/src/store/journal-db.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { cliMissing } from '../../support/gateway-process.js';
import { eventually } from '../../support/gateway.js';

const noCli = cliMissing();
if (noCli) console.warn(`child-process fixture test skipped: ${noCli}`);

describe('the gateway fixture', () => {
  const fx = useGatewayFixture();

  it('raises a red alarm from published readings and keeps it across a restart', async () => {
    const first = await fx.start();
    const alarm = await fx.raise(first, 'gas-01', { ch4: 70 });
    expect(alarm).toMatchObject({ device: 'gas-01', channel: 'ch4', level: 'red' });
    expect(first.health()).toMatchObject({ databases: true, ingress: true });
    await first.stop();
    const second = await fx.start({ dataDir: first.dataDir });
    expect(second.alarms.activeAlarms().map((a) => a.id)).toEqual([alarm.id]);
  });

  it.skipIf(noCli !== null)('kills a child-process gateway with SIGKILL; what it acknowledged is on disk', async () => {
    const child = await fx.startProcess();
    const gas = await fx.device(child, 'gas-01');
    await gas.publish({ ch4: 1 }, { ch4: 2 }, { ch4: 3 });
    await child.kill();
    const db = new Database(journalPath(child.dataDir), { readonly: true });
    fx.defer(() => db.close());
    expect(db.prepare('SELECT seq FROM reading ORDER BY seq').pluck().all()).toEqual([1, 2, 3]);
    // The device saw its connection drop with the process.
    await eventually(() => !gas.client.connected, 5000, 'the device disconnected');
  });
});
