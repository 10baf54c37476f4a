// `shaobing demo` as a newcomer watches it: the story ends on its "Done." line, with nothing after
// it (no alarm from the devices going offline as the demo shuts down), and no raw JSON log line
// cuts into it. Needs `npm run build`.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp.js';

const CLI = join(process.cwd(), 'dist/gateway/src/cli.js');

describe('shaobing demo story', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('ends on "Done." and holds no raw log line', () => {
    const dir = tempDir();
    dirs.push(dir);
    const result = spawnSync(process.execPath, [CLI, 'demo', '--fast', '--data-dir', dir.path], { encoding: 'utf8', timeout: 90_000 });
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.split('\n').filter((l) => l.trim() !== '');
    expect(lines.at(-1)).toMatch(/readings stored; alarms and order kept in .*\. Done\.$/);
    expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    expect(result.stderr.split('\n').filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    // The story itself is all there: the red alarm, the order and the lift.
    expect(result.stdout).toMatch(/STOP-WORK ORDER[\s\S]*order lifted/);
  });
});
