// docker-compose.yml must be a valid Compose file even where no Docker engine runs: Debian's
// docker-compose 1.29 validates it offline and names a bad key.

import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function hasDockerCompose(): boolean {
  return spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
}

const available = hasDockerCompose();
if (!available) console.warn('compose-file test skipped: docker-compose is not installed here (CI installs it: .ci/run)');

describe.skipIf(!available)('docker-compose.yml', () => {
  it('validates with docker-compose config', () => {
    const out = execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { encoding: 'utf8' });
    expect(out).toMatch(/gateway:/);
    expect(out).toMatch(/shaobing-data/);
    expect(out).toMatch(/SHAOBING_STORAGE__DATA_DIR: \/var\/lib\/shaobing/);
  });

  it('runs InfluxDB 2.7 set up by its init variables, and points the gateway at it with api v2', () => {
    const out = execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { encoding: 'utf8', env: { ...process.env, INFLUXDB_TOKEN: 'token-from-env' } });
    expect(out).toMatch(/image: influxdb:2\.7/);
    expect(out).toMatch(/DOCKER_INFLUXDB_INIT_MODE: setup/);
    expect(out).toMatch(/DOCKER_INFLUXDB_INIT_BUCKET: shaobing/);
    expect(out).toMatch(/influxdb-data/);
    expect(out).toMatch(/SHAOBING_STORAGE__INFLUX__URL: http:\/\/influxdb:8086/);
    expect(out).toMatch(/SHAOBING_STORAGE__INFLUX__API: v2/);
    // One token, from the environment, for both InfluxDB's setup and the gateway.
    expect(out.match(/token-from-env/g)).toHaveLength(2);
    expect(out).toMatch(/condition: service_healthy/);
    expect(out).toMatch(/influx", "?ping|- ping/);
  });

  it('would catch a bad key (the check is not vacuous)', () => {
    const bad = 'services:\n  gateway:\n    image: x\n    restartt: always\n';
    const result = spawnSync('docker-compose', ['-f', '-', 'config', '-q'], { input: bad, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/restartt/);
  });
});
