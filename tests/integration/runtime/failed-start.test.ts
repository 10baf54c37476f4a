// A gateway start that fails halfway (here: its API port is taken, found only after the broker is
// listening and the storage workers run) undoes what it started, so the operator's next start on
// the same ports and data directory works: the broker port is free again, the files are closed.

import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { startGateway } from '../../../gateway/src/compose.js';
import { journalPath } from '../../../gateway/src/store/journal-db.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { testConfig } from '../../support/gateway.js';
import { useGatewayFixture } from '../../support/fixture.js';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const portOf = (server: Server): number => (server.address() as { port: number }).port;
/** Closes a server once; a second call (the cleanup after an early close) finds nothing to do. */
const close = (server: Server): Promise<void> => (server.listening ? new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))) : Promise.resolve());

describe('a failed start', () => {
  const fx = useGatewayFixture();

  it('frees the broker port and stops its storage workers when the API port is taken', async () => {
    const dataDir = fx.dataDir();
    const taken = await listen(0);
    fx.defer(() => close(taken));
    // A free port for the broker, known in advance so it can be checked afterwards.
    const probe = await listen(0);
    const brokerPort = portOf(probe);
    await close(probe);

    const config = testConfig(dataDir, (c) => {
      c.broker = { ...c.broker, port: brokerPort };
      c.api = { ...c.api, port: portOf(taken) };
    });
    await expect(startGateway(config, { log: silentLogger() })).rejects.toThrow(/EADDRINUSE|address already in use/);

    // The broker port can be bound again at once.
    const again = await listen(brokerPort);
    await close(again);
    // No writer is left on the journal: an exclusive lock is granted at once.
    const db = new Database(journalPath(dataDir));
    fx.defer(() => db.close());
    db.pragma('busy_timeout = 0');
    expect(() => db.exec('BEGIN EXCLUSIVE; COMMIT')).not.toThrow();

    // And a second start on the same ports and directory works once the API port is free.
    await close(taken);
    const runtime = await startGateway(config, { log: silentLogger() });
    fx.defer(() => runtime.stop());
    expect(runtime.brokerPort).toBe(brokerPort);
  });
});
