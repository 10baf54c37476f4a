// The dashboard API reaches the gateway's state through the faces the gateway exports
// (GatewayFaces: the alarm list, orders, device status, the audit trail), never by SQL on tables
// other modules own: an import check cannot see a query string, so this reads the SQL itself.
// Every table the API's code names must be one the API creates.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = join(ROOT, 'dashboard-api/src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** `FROM x`, `JOIN x`, `INTO x`, `UPDATE x`, `DELETE FROM x` inside the code's SQL strings. */
const USE = /\b(?:FROM|JOIN|INTO|UPDATE)\s+([a-z_][a-z0-9_]*)\b/g;
const CREATE = /\bCREATE\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?\s+([a-z_][a-z0-9_]*)\b/g;

describe('the API queries only its own tables', () => {
  const files = sources(SRC).map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') }));
  const own = new Set(files.flatMap((f) => [...f.text.matchAll(CREATE)].map((m) => m[1]!)));

  it('finds the tables it does own (tokens, device last values), so the check looks at real SQL', () => {
    expect([...own].sort()).toEqual(expect.arrayContaining(['api_token', 'device_last_heard', 'device_last_value']));
  });

  it('names no table another module owns (alarm, stop_work_order, device_status, audit_log …)', () => {
    const foreign = files.flatMap((f) => [...f.text.matchAll(USE)].map((m) => m[1]!).filter((t) => !own.has(t)).map((t) => `${f.path}: ${t}`));
    expect(foreign).toEqual([]);
  });
});
