// One gateway per data directory: a second one (a manual start beside the service, an upgrade
// that overlaps) is refused with a line naming the holder, instead of resending the first one's
// stop-work commands and notifications from the same state.db; a gateway killed with SIGKILL
// leaves no lock behind.

import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway } from '../../../gateway/src/compose.js';
import { DataDirInUse } from '../../../gateway/src/store/data-dir-lock.js';
import { startTestGateway, testConfig, testConfigInput, testLogger } from '../../support/gateway.js';
import { CLI, cliMissing, startGatewayProcess, writeConfig, type GatewayProcess } from '../../support/gateway-process.js';
import { tempDir } from '../../support/tmp.js';

const missing = cliMissing();

describe('data directory lock', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('refuses a second gateway on the same data directory while the first runs, and the first runs on', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const first = await startTestGateway(testConfig(dir.path));
    cleanups.push(() => first.stop());
    await expect(startGateway(testConfig(dir.path), { log: testLogger() })).rejects.toBeInstanceOf(DataDirInUse);
    const res = await fetch(`http://127.0.0.1:${first.apiPort}/healthz`);
    expect(res.status).toBe(200);
    await first.stop();
    const again = await startTestGateway(testConfig(dir.path));
    cleanups.push(() => again.stop());
    expect((await fetch(`http://127.0.0.1:${again.apiPort}/healthz`)).status).toBe(200);
  });

  it.skipIf(missing !== null)(`start exits 1 with one line naming the directory and the holder's pid${missing ? ` (skipped: ${missing})` : ''}`, async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const file = writeConfig(dir.path, testConfigInput(`${dir.path}/data`));
    const holder: GatewayProcess = startGatewayProcess(file);
    cleanups.push(() => holder.kill('SIGKILL'));
    await holder.ready;
    const second = spawnSync(process.execPath, [CLI, 'start', '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(second.status).toBe(1);
    const line = second.stderr.trim().split('\n').pop()!;
    expect(line).toContain(`${dir.path}/data is in use by another running gateway (pid ${holder.pid})`);
    // The kernel drops the lock with the process: a restart after SIGKILL is not blocked.
    await holder.kill('SIGKILL');
    const restarted = startGatewayProcess(file);
    cleanups.push(() => restarted.kill('SIGTERM'));
    await restarted.ready;
  });
});
