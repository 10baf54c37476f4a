// storage.influx in the config: defaults, and errors that say what to add.

import { describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../../../../gateway/src/config/schema.js';
import { demoConfig } from '../../../../gateway/src/config/demo.js';
import { loadConfig } from '../../../../gateway/src/config/load.js';

function parse(influx: unknown) {
  const input = demoConfig();
  input.storage = { ...input.storage, influx } as ConfigInput['storage'];
  return configSchema.safeParse(input);
}

const messages = (r: ReturnType<typeof parse>) => (r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

describe('storage.influx config', () => {
  it('fills batching and retry defaults for a 1.x database', () => {
    const r = parse({ url: 'http://127.0.0.1:8086', database: 'shaobing' });
    expect(r.success).toBe(true);
    expect(r.data!.storage.influx).toMatchObject({ api: 'v1', batchRows: 5000, lingerMs: 1000, retry: { minMs: 500, maxMs: 60_000 } });
    expect(r.data!.storage.spoolMaxRows).toBe(10_000_000);
    expect(r.data!.storage.retentionDays).toBe(30);
    expect(r.data!.storage.aggregateRetentionDays).toBe(400);
  });

  it('says api v2 needs token, org and bucket', () => {
    expect(messages(parse({ url: 'http://127.0.0.1:8086', api: 'v2', token: 't' }))).toEqual([
      expect.stringMatching(/^storage\.influx\.org: api v2 needs org/),
      expect.stringMatching(/^storage\.influx\.bucket: api v2 needs bucket/),
    ]);
  });

  it('says api v1 needs a database, and refuses a retry range upside down', () => {
    expect(messages(parse({ url: 'http://127.0.0.1:8086' }))).toEqual([expect.stringMatching(/^storage\.influx\.database: api v1 needs database/)]);
    expect(messages(parse({ url: 'http://127.0.0.1:8086', database: 'd', retry: { minMs: 5000, maxMs: 100 } }))).toEqual([expect.stringMatching(/retry\.minMs must not exceed/)]);
  });

  it('refuses an unknown key and a url that is not one', () => {
    expect(messages(parse({ url: 'http://127.0.0.1:8086', database: 'd', buket: 'x' })).join()).toMatch(/buket/);
    expect(messages(parse({ url: 'not a url', database: 'd' })).join()).toMatch(/storage\.influx\.url/);
  });

  it('takes the docker-compose environment variables (api v2) as the storage.influx section', () => {
    const { config } = loadConfig({
      demo: demoConfig,
      cwd: '/nonexistent-dir-for-test',
      env: {
        SHAOBING_STORAGE__INFLUX__URL: 'http://influxdb:8086',
        SHAOBING_STORAGE__INFLUX__API: 'v2',
        SHAOBING_STORAGE__INFLUX__TOKEN: 'tok',
        SHAOBING_STORAGE__INFLUX__ORG: 'shaobing',
        SHAOBING_STORAGE__INFLUX__BUCKET: 'shaobing',
        SHAOBING_STORAGE__SPOOL_MAX_ROWS: '2000000',
      },
    });
    expect(config.storage.influx).toMatchObject({ url: 'http://influxdb:8086', api: 'v2', token: 'tok', org: 'shaobing', bucket: 'shaobing', batchRows: 5000 });
    expect(config.storage.spoolMaxRows).toBe(2_000_000);
  });
});
