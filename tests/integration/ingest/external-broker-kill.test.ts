// Behind a real Mosquitto, a gateway process killed with SIGKILL before its commit loses nothing:
// what it never acknowledged, Mosquitto keeps in the gateway's persistent session and sends to
// the next start, which stores each reading once.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { journalPath } from '../../../gateway/src/store/journal-db.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { cliMissing } from '../../support/gateway-process.js';
import { DEMO_PASSWORDS, eventually } from '../../support/gateway.js';
import { mosquittoMissing, startMosquitto, type Mosquitto } from '../../support/mosquitto.js';
import { DEMO_SITE } from '../../support/gateway.js';

const missing = mosquittoMissing() ?? cliMissing();
if (missing) console.warn(`external-broker SIGKILL test skipped: ${missing}`);

const GATEWAY_USER = 'shaobing-gateway'; // an account acl.example grants
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.skipIf(missing !== null)('gateway behind Mosquitto, killed with SIGKILL', () => {
  const fx = useGatewayFixture();
  const password = randomBytes(12).toString('hex');
  let broker: Mosquitto;

  beforeEach(async () => {
    broker = await startMosquitto({
      users: { [GATEWAY_USER]: password, ...Object.fromEntries(Object.entries(DEMO_PASSWORDS).map(([device, p]) => [`${DEMO_SITE}/${device}`, p])) },
    });
  });
  afterEach(() => broker.close());

  const external = (storage: { commitIntervalMs?: number; maxBatch?: number } = {}) => (c: ConfigInput): void => {
    c.broker = { ...c.broker, mode: 'external', url: broker.url, clientId: 'shaobing-gateway-kill-test', username: GATEWAY_USER, password };
    c.api = { ...c.api, enabled: false };
    c.storage = { ...c.storage, ...storage };
  };

  it('loses nothing when the gateway dies before its commit: Mosquitto redelivers what was never acknowledged', async () => {
    // maxBatch 50 commits (and acknowledges) 1–100 as they fill; 101–120 wait for the 1 s commit
    // timer, and the kill comes right after Mosquitto took them from the device.
    const first = await fx.startProcess({ patch: external({ commitIntervalMs: 1000, maxBatch: 50 }) });
    const journal = new Database(journalPath(first.dataDir), { readonly: true });
    fx.defer(() => journal.close());
    const seqs = (): number[] => journal.prepare("SELECT seq FROM reading WHERE device = 'gas-01' ORDER BY seq").pluck().all() as number[];
    const reading = (i: number) => ({ ch4: 1 + (i % 10) / 10, co: 3 });

    const gas = await fx.device(first, 'gas-01');
    await gas.publish(...Array.from({ length: 100 }, (_, i) => reading(i)));
    await eventually(() => seqs().length >= 100, 5000, 'the two full batches committed');
    await gas.publish(...Array.from({ length: 20 }, (_, i) => reading(100 + i)));
    await first.kill();
    expect(seqs()).toEqual(range(1, 100)); // 101–120 died in memory (or in Mosquitto), unacknowledged

    // Same data directory and client id: Mosquitto resumes the session and sends 101–120 again.
    const second = await fx.start({ dataDir: first.dataDir, patch: external() });
    await eventually(() => seqs().length >= 120, 10_000, 'the redelivered readings');
    expect(seqs()).toEqual(range(1, 120)); // every one, none twice
    expect(second.inside.intake.counts.accepted).toBe(20);
  });
});
