// The arrows of docs/architecture.md are enforced: the dependency-cruiser rules that `npm test`
// runs pass on the repository, and fail on a small tree that breaks each rule once.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import { tempDir } from '../../support/tmp.js';

const require = createRequire(import.meta.url);
const config = require('../../../.dependency-cruiser.cjs') as IConfiguration;
const ROOTS = ['gateway', 'broker', 'dashboard-api', 'simulators'];

/** `withTsConfig`: resolve through the repository's tsconfig.json (the made-up tree has none). */
async function violations(baseDir: string, withTsConfig: boolean): Promise<string[]> {
  const options = { ...config.options, ruleSet: { forbidden: config.forbidden ?? [] }, baseDir, validate: true, ...(withTsConfig ? {} : { tsConfig: undefined }) };
  const result = await cruise(ROOTS, options);
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

describe('the dependency rules', () => {
  it('pass on the repository as it is', async () => {
    expect(await violations(process.cwd(), true)).toEqual([]);
  }, 60_000);

  it('name each forbidden import and cycle in a tree that breaks them', async () => {
    const dir = tempDir();
    try {
      const files: Record<string, string> = {
        'gateway/src/runtime.ts': "import { buildApp } from '../../dashboard-api/src/app.js';\nexport const x = buildApp;\n",
        'dashboard-api/src/app.ts': "import { Journal } from '../../gateway/src/ingest/journal.js';\nexport const buildApp = () => Journal;\n",
        'gateway/src/ingest/journal.ts': "import { open } from '../store/journal-db.js';\nexport const Journal = open;\n",
        'gateway/src/store/journal-db.ts': "import { Journal } from '../ingest/journal.js';\nexport const open = () => Journal;\n",
        'gateway/src/config/schema.ts': "import { AlarmService } from '../alarms/service.js';\nexport const s = AlarmService;\n",
        'gateway/src/alarms/service.ts': 'export class AlarmService {}\n',
        'gateway/src/detect/engine.ts': "import { Journal } from '../ingest/journal.js';\nexport const e = Journal;\n",
        'broker/src/server.ts': "import { AlarmService } from '../../gateway/src/alarms/service.js';\nexport const b = AlarmService;\n",
        'simulators/src/cli.ts': "import { open } from '../../gateway/src/store/journal-db.js';\nexport const c = open;\n",
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir.path, path)), { recursive: true });
        writeFileSync(join(dir.path, path), text);
      }
      const found = await violations(dir.path, false);
      const rules = new Set(found.map((v) => v.split(':')[0]));
      expect([...rules].sort()).toEqual([
        'broker-reads-only-the-contract',
        'config-and-contract-import-no-service',
        'core-not-to-dashboard-or-simulators',
        'dashboard-through-gateway-faces',
        'no-circular',
        'pure-machines-do-no-io',
        'simulators-read-only-the-contract',
        'store-below-ingest',
      ]);
      expect(found).toContain('no-circular: gateway/src/ingest/journal.ts → gateway/src/store/journal-db.ts');
    } finally {
      dir.remove();
    }
  }, 60_000);
});
